"""Celery tasks of sharing: load ids, call a service."""

from celery import shared_task

from core.jobs import job_task

from . import services


@job_task("stamps.send_delivery")
def send_delivery(job_id):
    services.run_delivery(job_id)


@shared_task(name="stamps.expire_shares", ignore_result=True)
def expire_shares():
    services.expire_due_shares()
