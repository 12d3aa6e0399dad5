from celery import shared_task

from core.jobs import job_task

from . import services


@job_task("partners.notify_edit_limit")
def notify_edit_limit(job_id):
    services.run_edit_limit_notification(job_id)


@shared_task(name="partners.purge_audit_log", ignore_result=True)
def purge_audit_log():
    return services.purge_audit_log()
