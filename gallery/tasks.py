from celery import shared_task

from core.jobs import job_task

from . import services


@job_task("gallery.render_submission", media=True)
def render_submission(job_id):
    services.render_submission(job_id)


@shared_task(name="gallery.purge_unused_samples", ignore_result=True)
def purge_unused_samples():
    return services.purge_unused_samples()
