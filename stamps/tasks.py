"""Celery tasks: each loads its job id and calls the service that does the work."""

from core.jobs import job_task

from . import services


@job_task("stamps.package_stamp", media=True)
def package_stamp(job_id):
    services.run_packaging(job_id)


@job_task("stamps.make_thumbnail", media=True)
def make_thumbnail(job_id):
    services.run_auto_thumbnail(job_id)


@job_task("stamps.transcribe_stamp", media=True)
def transcribe_stamp(job_id):
    services.run_transcription(job_id)

from .sharing_tasks import *  # noqa: E402,F401,F403 - the sharing tasks live in their own module
