from celery import shared_task
from celery.signals import worker_ready

from . import jobs, services


@shared_task(name="core.sweep_stuck_jobs", ignore_result=True)
def sweep_stuck_jobs():
    return jobs.sweep_stuck_jobs()


@jobs.job_task("core.cleanup_storage")
def cleanup_storage(job_id):
    services.run_storage_cleanup(job_id)


@worker_ready.connect
def requeue_orphaned_jobs(**kwargs):
    """A worker that starts after a kill picks up the jobs the killed processes held."""
    jobs.requeue_orphaned_jobs()
