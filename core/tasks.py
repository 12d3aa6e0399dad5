from celery import shared_task

from . import jobs, services


@shared_task(name="core.sweep_stuck_jobs", ignore_result=True)
def sweep_stuck_jobs():
    return jobs.sweep_stuck_jobs()


@jobs.job_task("core.cleanup_storage")
def cleanup_storage(job_id):
    services.run_storage_cleanup(job_id)
