from celery import shared_task
from celery.signals import worker_process_init, worker_ready, worker_shutdown

from . import health, idempotency, jobs, scratch, services, throttles
from .webhooks import delivery


@shared_task(name="core.sweep_stuck_jobs", ignore_result=True)
def sweep_stuck_jobs():
    jobs.sweep_unrecorded_outputs()
    return jobs.sweep_stuck_jobs()


@shared_task(name="core.purge_idempotency_records", ignore_result=True)
def purge_idempotency_records():
    return idempotency.purge_expired()


@shared_task(name="core.sweep_throttle_counters", ignore_result=True)
def sweep_throttle_counters():
    return throttles.sweep_counters()


@jobs.job_task("core.cleanup_storage")
def cleanup_storage(job_id):
    services.run_storage_cleanup(job_id)


_heartbeat = health.WorkerHeartbeat()


@worker_ready.connect
def on_worker_ready(**kwargs):
    """A worker that starts after a kill picks up the jobs the killed processes held, then
    tells /readyz that it is alive."""
    _heartbeat.start()
    jobs.requeue_orphaned_jobs()


@worker_shutdown.connect
def on_worker_shutdown(**kwargs):
    _heartbeat.stop()


@shared_task(name="core.deliver_webhook", ignore_result=True, acks_late=True)
def deliver_webhook(delivery_id):
    delivery.deliver(delivery_id)


@shared_task(name="core.send_due_webhooks", ignore_result=True)
def send_due_webhooks():
    return delivery.send_due_deliveries()


@worker_process_init.connect
def on_worker_process_init(**kwargs):
    """Each pool process keeps its scratch apart, so a killed one leaves a folder that is
    recognisably stale (and is removed by the process that replaces it)."""
    scratch.use_own_scratch()
