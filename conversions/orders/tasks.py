"""Celery tasks of conversion orders: load the job id, call the service."""

from core.jobs import job_task

from . import services


@job_task("conversions.run_conversion_order", media=True)
def run_conversion_order(job_id):
    services.run_order(job_id)


@job_task("conversions.start_conversions_of_original")
def start_conversions_of_original(job_id):
    services.start_conversions_of_original(job_id)
