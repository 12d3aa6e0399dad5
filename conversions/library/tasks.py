"""Celery tasks of the studio library: load the job id, call the service."""

from core.jobs import job_task

from . import services


@job_task("conversions.process_recording", media=True)
def process_recording(job_id):
    services.run_recording_processing(job_id)


@job_task("conversions.synthesize_recording", media=True)
def synthesize_recording(job_id):
    services.run_tts_synthesis(job_id)
