"""Celery task of thumbnails: load the job id, call the service."""

from core.jobs import job_task

from . import services


@job_task("stamps.make_thumbnail", media=True)
def make_thumbnail(job_id):
    services.run_auto_thumbnail(job_id)
