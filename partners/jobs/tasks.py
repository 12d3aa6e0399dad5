from core.jobs import job_task

from . import services


@job_task("partners.notify_edit_limit")
def notify_edit_limit(job_id):
    services.run_edit_limit_notification(job_id)
