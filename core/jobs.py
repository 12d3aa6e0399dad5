"""Background jobs: one convention for state, progress, errors and retries.

- ``start_job`` creates a Job row and enqueues its task after the transaction commits.
- A task (declared with ``job_task``) calls a domain service, which calls ``run_job``
  with the work to do. ``run_job`` claims the job, counts the attempt, reports
  progress and records the outcome; a job already finished is not run again, so a
  message delivered twice (acks_late after a lost worker) does its work once.
- A poison message cannot loop: past ``max_attempts`` deliveries the job fails.
- ``sweep_stuck_jobs`` (beat) re-queues jobs whose heartbeat stopped.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Job

logger = logging.getLogger(__name__)


class JobFailed(Exception):
    """The work cannot succeed; the message is shown to the client as the reason."""


class TransientJobError(Exception):
    """The work may succeed if retried later (a service was briefly unavailable)."""


def job_task(name: str, **options):
    """Declare a Celery task that runs a job: late ack, retries with backoff for transient errors."""
    defaults = {
        "name": name,
        "acks_late": True,
        "reject_on_worker_lost": True,
        "autoretry_for": (TransientJobError,),
        "retry_backoff": 5,
        "retry_backoff_max": 300,
        "retry_jitter": True,
        "max_retries": 5,
        "ignore_result": True,
    }
    defaults.update(options)
    return shared_task(**defaults)


def start_job(kind: str, task, *, subject: str = "", payload: dict | None = None,
              max_attempts: int | None = None) -> Job:
    """Create a queued Job and send ``task(job_id)`` once the surrounding transaction commits."""
    job = Job.objects.create(
        kind=kind,
        task_name=task.name,
        subject=subject,
        payload=payload or {},
        max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
    )
    job_id = str(job.id)
    # robust: the rows are committed by now; a broker that is briefly down must not turn that
    # into an error for the caller. The job stays queued and sweep_stuck_jobs sends it again.
    transaction.on_commit(lambda: task.apply_async(args=[job_id]), robust=True)
    return job


class JobContext:
    """Handed to the work function: report progress (which is also the heartbeat)."""

    def __init__(self, job: Job):
        self.job = job

    def progress(self, percent: int) -> None:
        percent = max(0, min(100, int(percent)))
        now = timezone.now()
        Job.objects.filter(pk=self.job.pk).update(progress=percent, heartbeat_at=now)
        self.job.progress = percent
        self.job.heartbeat_at = now


def run_job(
    job_id,
    work: Callable[[JobContext], None],
    *,
    on_failure: Callable[[Job, str], None] | None = None,
) -> Job | None:
    """Run ``work`` for the job once; record success or failure. Returns the job."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("job %s no longer exists; nothing to do", job_id)
            return None
        if job.is_finished:
            logger.info("job %s already %s; not running it again", job_id, job.state)
            return job
        if job.attempts >= job.max_attempts:
            reason = f"Gave up after {job.attempts} attempts."
            _finish(job, Job.State.FAILED, reason)
            failed = True
        else:
            failed = False
            now = timezone.now()
            job.state = Job.State.RUNNING
            job.attempts += 1
            job.started_at = job.started_at or now
            job.heartbeat_at = now
            job.error = ""
            job.save(update_fields=["state", "attempts", "started_at", "heartbeat_at", "error"])
    if failed:
        if on_failure:
            on_failure(job, job.error)
        return job

    try:
        work(JobContext(job))
    except TransientJobError:
        Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED)
        raise
    except JobFailed as exc:
        return _fail(job, str(exc), on_failure)
    except Exception:  # noqa: BLE001 - the job must end failed, whatever the work raised
        logger.exception("job %s (%s %s) crashed", job.pk, job.kind, job.subject)
        return _fail(job, "Internal error while processing.", on_failure)
    _finish(job, Job.State.SUCCEEDED, "")
    return job


def _fail(job: Job, reason: str, on_failure) -> Job:
    _finish(job, Job.State.FAILED, reason)
    if on_failure:
        on_failure(job, reason)
    return job


def _finish(job: Job, state: str, error: str) -> None:
    now = timezone.now()
    job.state = state
    job.error = error
    job.finished_at = now
    job.heartbeat_at = now
    if state == Job.State.SUCCEEDED:
        job.progress = 100
    Job.objects.filter(pk=job.pk).update(
        state=state, error=error, finished_at=now, heartbeat_at=now, progress=job.progress
    )


def sweep_stuck_jobs() -> int:
    """Re-queue jobs stuck in running (or never picked up) past JOB_STUCK_TIMEOUT.

    The re-sent task either finishes the job or, past max_attempts, fails it (and
    the domain's failure hook runs there), so nothing stays "processing" forever.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_STUCK_TIMEOUT)
    stuck = list(
        Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=cutoff)
        | Job.objects.filter(state=Job.State.QUEUED, created_at__lt=cutoff, heartbeat_at__isnull=True)
        | Job.objects.filter(state=Job.State.QUEUED, heartbeat_at__lt=cutoff)
    )
    for job in stuck:
        Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, heartbeat_at=timezone.now())
        current_app.send_task(job.task_name, args=[str(job.pk)])
        logger.warning("re-queued stuck job %s (%s %s), attempt %s", job.pk, job.kind, job.subject, job.attempts)
    return len(stuck)
