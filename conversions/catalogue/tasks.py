"""Celery tasks of the catalogue: load the job id, call the service."""

from core.jobs import job_task

from . import services


@job_task("conversions.estimate_calibration", media=True)
def estimate_calibration(job_id):
    services.run_calibration_estimate(job_id)
