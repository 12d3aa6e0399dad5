"""Celery tasks of the studio library: load the job id, call the service."""

from core.jobs import job_task

from . import library_services

__all__ = ["process_recording", "synthesize_recording"]


@job_task("conversions.process_recording", media=True)
def process_recording(job_id):
    library_services.run_recording_processing(job_id)


@job_task("conversions.synthesize_recording", media=True)
def synthesize_recording(job_id):
    library_services.run_tts_synthesis(job_id)
