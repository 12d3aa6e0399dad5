"""Celery task of packaging: load the job id, call the service."""

from core.jobs import job_task

from . import services


@job_task("stamps.package_stamp", media=True)
def package_stamp(job_id):
    services.run_packaging(job_id)
