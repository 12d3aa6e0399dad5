from celery import shared_task

from . import services


@shared_task(name="partners.purge_audit_log", ignore_result=True)
def purge_audit_log():
    return services.purge_audit_log()
