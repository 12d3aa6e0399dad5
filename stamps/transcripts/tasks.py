"""Celery task of transcription: load the job id, call the service."""

from core.jobs import job_task

from . import services


@job_task("stamps.transcribe_stamp", media=True)
def transcribe_stamp(job_id):
    services.run_transcription(job_id)
