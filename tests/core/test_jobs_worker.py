"""Jobs through a real Celery worker process on the configured broker (Redis in CI)."""

import pytest
from django.db import transaction

from core import services
from core.models import Job
from core.storage import object_storage
from tests.conftest import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_storage_cleanup_job_runs_in_a_real_worker(celery_worker):
    keys = [object_storage.put_bytes(f"worker-test/{i}.bin", b"x" * 10).key for i in range(3)]
    assert all(object_storage.exists(key) for key in keys)
    with transaction.atomic():
        job = services.schedule_storage_cleanup(keys, subject="test")
    job = wait_until(
        lambda: Job.objects.filter(pk=job.pk, state=Job.State.SUCCEEDED).first(),
        timeout=60,
        message="cleanup job to succeed",
    )
    assert job.progress == 100 and job.attempts == 1 and job.error == ""
    assert not any(object_storage.exists(key) for key in keys)


def test_nothing_is_sent_when_the_transaction_rolls_back(celery_worker):
    key = object_storage.put_bytes("worker-test/keep.bin", b"keep").key
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.schedule_storage_cleanup([key])
            raise RuntimeError("the request failed")
    assert Job.objects.count() == 0
    assert object_storage.exists(key)
    object_storage.delete(key)


def test_a_stuck_job_is_requeued_by_the_sweeper_and_finished_by_the_worker(celery_worker, settings):
    from datetime import timedelta

    from django.utils import timezone

    from core import jobs

    key = object_storage.put_bytes("worker-test/stuck.bin", b"stuck").key
    old = timezone.now() - timedelta(seconds=settings.JOB_STUCK_TIMEOUT + 60)
    job = Job.objects.create(
        kind="storage.cleanup",
        task_name="core.cleanup_storage",
        payload={"keys": [key]},
        state=Job.State.RUNNING,
        attempts=1,
        heartbeat_at=old,
        started_at=old,
    )
    assert jobs.sweep_stuck_jobs() == 1
    job = wait_until(
        lambda: Job.objects.filter(pk=job.pk, state=Job.State.SUCCEEDED).first(),
        timeout=60,
        message="the re-queued job to finish",
    )
    assert job.attempts == 2
    assert not object_storage.exists(key)


def test_readyz_reports_a_worker_that_answers(celery_worker, client):
    def ready_with_a_worker():
        body = client.get("/readyz").json()
        return body if body["checks"]["worker"] == "ok" else None

    body = wait_until(ready_with_a_worker, timeout=60, message="the worker's heartbeat")
    assert body["status"] == "ok"
