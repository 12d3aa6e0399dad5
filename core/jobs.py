"""Background jobs: one convention for state, progress, errors, retries and leases.

- ``start_job`` creates a Job row and enqueues its task after the transaction commits;
  a message the broker did not take (``sent_at`` empty) is sent by the sweeper.
- A task (declared with ``job_task``) calls a domain service, which calls ``run_job``
  with the work to do. ``run_job`` claims the job with a lease (owner, expiry and a
  fencing token), counts the attempt, renews the lease while the work runs and records
  the outcome. A second runner refuses while the lease is live; a runner whose lease was
  taken over cannot write (``ctx.writing_results()`` and the outcome check the token).
- A poison message cannot loop: past ``max_attempts`` deliveries the job fails.
- ``sweep_stuck_jobs`` (beat) re-queues running jobs whose lease expired and sends
  queued jobs the broker never took; a starting worker re-queues the jobs of dead
  processes on its host at once (``requeue_orphaned_jobs``).
- Nothing is left behind: a job stores its output objects under ``ctx.output_prefix(...)``,
  a prefix of the attempt's own noted on the job row, and ``ctx.writing_results()`` records
  them. Objects under a prefix that was never recorded are removed when the next attempt
  starts, when the job ends (failed, gave up, or succeeded without them), when a runner loses
  its lease, and by the sweeper (``sweep_unrecorded_outputs``) if storage was down then.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from contextlib import contextmanager
from datetime import timedelta
from typing import Callable

from celery import current_app, shared_task
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from . import processes
from .errors import DomainError
from .models import Job
from .storage import object_storage
from .request_ids import bound_request_id, current_request_id, task_headers
from .webhooks.events import announce_job_outcome

logger = logging.getLogger(__name__)


class JobFailed(Exception):
    """The work cannot succeed; the message, made client-safe, is shown to the client as the reason."""


# An absolute path on the server (POSIX or Windows), two components or more; URLs are left alone.
_SERVER_PATH = re.compile(r"(?<![\w.:/\\])(?:[A-Za-z]:)?(?:[/\\][^\s/\\:'\"]+){2,}[/\\]?")
# A memory address in an engine's log prefix ("[mp3float @ 0x55d1c2a3b4c0]").
_ADDRESS = re.compile(r"\s*@\s*0x[0-9a-fA-F]+")
MAX_REASON_CHARS = 500


def client_safe(reason: str) -> str:
    """A failure reason as a client may read it: what went wrong, never where on the server
    (engines such as ffmpeg name the temporary file they failed on)."""
    cleaned = _ADDRESS.sub("", _SERVER_PATH.sub("the file", reason))
    return cleaned[:MAX_REASON_CHARS]


class TransientJobError(Exception):
    """The work may succeed if retried later (a service was briefly unavailable)."""


class LeaseLost(Exception):
    """Another runner holds the job now; this runner's results must not be written."""


MEDIA_QUEUE_SUFFIX = "-media"


def media_queue(default_queue: str) -> str:
    """The queue of heavy media work, named after the default queue: a deployment runs a worker for
    each, and a test that publishes to a queue of its own gets a media queue of its own too."""
    return f"{default_queue}{MEDIA_QUEUE_SUFFIX}"


def route_task(name, args, kwargs, options, task=None, **kw):
    """The Celery router (CELERY_TASK_ROUTES): tasks declared ``media=True`` go to the media queue,
    so minutes of transcoding never hold up an email, an SMS, a webhook or an expiry."""
    if task is None and name not in current_app.tasks:
        # Sent by name from a process that has not imported every app's tasks (the admin's re-send).
        current_app.loader.import_default_modules()
    task = task or current_app.tasks.get(name)
    if getattr(task, "media", False):
        return {"queue": media_queue(current_app.conf.task_default_queue)}
    return None


def job_task(name: str, *, media: bool = False, **options):
    """Declare a Celery task that runs a job: late ack, retries with backoff for transient errors.

    ``media=True``: heavy media work (transcoding, recognition, packaging, synthesis, conversion),
    routed to the media queue."""
    defaults = {
        "name": name,
        "media": media,
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


def registered_task(name: str):
    """The Celery task called ``name``; a misspelt name fails here, where the job is started.

    A process that sends a task by name may not have imported every app's tasks module yet
    (Celery imports them when a worker starts): they are imported on the first miss."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def start_job(
    kind: str,
    task: str,
    *,
    subject: str = "",
    payload: dict | None = None,
    max_attempts: int | None = None,
    owner=None,
    capped: bool = True,
) -> Job:
    """Create a queued Job and send the task named ``task`` (its ``job_task`` name, never the task
    object) with the job's id once the surrounding transaction commits. Services name their tasks,
    so a tasks module may import its services at the top without a cycle.

    ``owner`` is the user whose request starts the job. While they have JOBS_MAX_ACTIVE_PER_USER
    jobs queued or running a new one is refused (TooManyJobs), so one user cannot fill the queue
    for everyone; ``capped=False`` for work accepted earlier and started on their behalf now (a
    paid order that waited for its original, the thumbnail an upload asks for)."""
    registered_task(task)  # a misspelt name fails here, in the request, not later in a worker
    with transaction.atomic():
        if owner is not None and capped:
            _refuse_past_the_cap(owner)
        job = Job.objects.create(
            kind=kind,
            task_name=task,
            subject=subject,
            payload=payload or {},
            max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
            request_id=current_request_id(),
            owner=owner,
        )
    transaction.on_commit(lambda: send_job(job.pk, task, job.request_id))
    return job


class TooManyJobs(DomainError):
    """The user has as many jobs queued or running as they may: each API's 429, with Retry-After."""


# Media jobs take seconds to minutes: a client that waits this long has a fair chance.
TOO_MANY_JOBS_RETRY_AFTER = 30


def _refuse_past_the_cap(owner) -> None:
    # Locking the owner's row makes concurrent requests of one user take turns at the count, so
    # two of them cannot both take the last place.
    list(type(owner).objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))
    cap = settings.JOBS_MAX_ACTIVE_PER_USER
    active = Job.objects.filter(owner=owner, state__in=(Job.State.QUEUED, Job.State.RUNNING)).count()
    if active >= cap:
        raise TooManyJobs(
            "too_many",
            f"You have {active} jobs queued or running, the most allowed at once ({cap}). "
            "Try again when one has finished.",
            retry_after=TOO_MANY_JOBS_RETRY_AFTER,
        )


def send_job(job_id, task_name: str, request_id: str = "") -> bool:
    """Hand the job's message to the broker and record that it was taken.

    The rows are committed by now, so a broker that is down or hangs must not turn that into
    an error or a hang for the caller: publishing is bounded by the broker timeouts and the
    publish retry policy (settings), and a job left unsent is sent by the sweeper.
    """
    task = current_app.tasks.get(task_name)
    # The worker binds the id of the request that started the job (core.request_ids).
    headers = task_headers(request_id)
    try:
        if task is not None:
            task.apply_async(args=[str(job_id)], headers=headers)
        else:
            current_app.send_task(task_name, args=[str(job_id)], headers=headers)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the job for the sweeper
        logger.warning("job %s (%s) not sent, the sweeper will send it: %r", job_id, task_name, exc)
        return False
    Job.objects.filter(pk=job_id, sent_at__isnull=True).update(sent_at=timezone.now())
    return True


class JobContext:
    """Handed to the work function: report progress and write results under the lease."""

    def __init__(self, job: Job):
        self.job = job
        self.token = job.lease_token
        self.outputs = ""
        self.recorded = False

    def _held(self):
        return Job.objects.filter(pk=self.job.pk, state=Job.State.RUNNING, lease_token=self.token)

    def progress(self, percent: int) -> None:
        """Report progress; raises LeaseLost when another runner took the job over."""
        percent = max(0, min(100, int(percent)))
        now = timezone.now()
        if not self._held().update(progress=percent, heartbeat_at=now, lease_expires_at=_lease_expiry(now)):
            raise LeaseLost(f"job {self.job.pk} is no longer leased by this runner")
        self.job.progress = percent
        self.job.heartbeat_at = now

    def output_prefix(self, under: str) -> str:
        """The storage prefix this attempt writes its output objects under:
        ``<under>/outputs/job-<id>/<attempt>``, so deleting ``under`` deletes them too.

        It is noted on the job row before any object is written and cleared when
        ``writing_results`` commits; until then the objects belong to no row, and they are
        removed if the attempt ends without recording them. Leftovers of an earlier attempt
        (a killed worker) are removed here first."""
        prefix = f"{under.strip('/')}/outputs/job-{self.job.pk}/{self.token}"
        if self.outputs:
            if self.outputs != prefix:
                raise ValueError(f"job {self.job.pk} already writes its outputs under {self.outputs}")
            return prefix
        earlier = self._held().values_list("output_prefix", flat=True).first()
        if earlier is None:
            raise LeaseLost(f"job {self.job.pk} is no longer leased by this runner")
        if earlier and earlier != prefix:
            removed = object_storage.delete_prefix(earlier)
            logger.warning("job %s: removed %s bytes an earlier attempt left under %s", self.job.pk, removed, earlier)
        if not self._held().update(output_prefix=prefix):
            raise LeaseLost(f"job {self.job.pk} is no longer leased by this runner")
        self.outputs = prefix
        return prefix

    @contextmanager
    def writing_results(self):
        """A transaction whose writes happen only while this runner still holds the lease.

        The conditional update locks the job row (PostgreSQL) or the database (SQLite,
        IMMEDIATE transactions), so no claim can slip between the check and the writes.
        It also records the outputs: once it commits, the objects under ``output_prefix``
        belong to the rows written here and are no longer swept.
        """
        with transaction.atomic():
            now = timezone.now()
            if not self._held().update(heartbeat_at=now, lease_expires_at=_lease_expiry(now), output_prefix=""):
                raise LeaseLost(f"job {self.job.pk} is no longer leased by this runner")
            yield
        self.recorded = True


def _lease_expiry(now):
    return now + timedelta(seconds=settings.JOB_LEASE_SECONDS)


class _LeaseKeeper:
    """Renews the lease from a thread while the work runs, so a long engine call that
    reports no progress keeps its job; it stops when the work ends or the lease is gone."""

    def __init__(self, job_id, token: int):
        self._job_id = job_id
        self._token = token
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stopped.set()

    def _run(self):
        interval = max(1.0, settings.JOB_LEASE_SECONDS / 3)
        try:
            while not self._stopped.wait(interval):
                now = timezone.now()
                try:
                    renewed = Job.objects.filter(
                        pk=self._job_id, state=Job.State.RUNNING, lease_token=self._token
                    ).update(heartbeat_at=now, lease_expires_at=_lease_expiry(now))
                except DatabaseError as exc:
                    logger.warning("job %s: lease not renewed, will retry: %s", self._job_id, exc)
                    continue
                if not renewed:
                    logger.warning("job %s: lease lost to another runner", self._job_id)
                    return
        finally:
            connection.close()


def run_job(
    job_id,
    work: Callable[[JobContext], None],
    *,
    on_failure: Callable[[Job, str], None] | None = None,
) -> Job | None:
    """Claim the job, run ``work`` once under the lease and record the outcome. Returns the job."""
    request_id = Job.objects.filter(pk=job_id).values_list("request_id", flat=True).first()
    # The job's log lines carry the id of the request that started it, however it was delivered.
    with bound_request_id(request_id or current_request_id()):
        return _run_job(job_id, work, on_failure)


def _run_job(job_id, work, on_failure) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("job %s no longer exists; nothing to do", job_id)
            return None
        if job.is_finished:
            logger.info("job %s already %s; not running it again", job_id, job.state)
            return job
        now = timezone.now()
        if (
            job.state == Job.State.RUNNING
            and job.lease_expires_at
            and job.lease_expires_at > now
            and not processes.is_dead(job.lease_owner)
        ):
            logger.info(
                "job %s is leased by %s until %s; not running it twice", job_id, job.lease_owner, job.lease_expires_at
            )
            return job
        job.lease_token += 1
        job.lease_owner = processes.process_name()
        job.heartbeat_at = now
        if job.attempts >= job.max_attempts:
            job.save(update_fields=["lease_token", "lease_owner", "heartbeat_at"])
            _finish(job, Job.State.FAILED, f"Gave up after {job.attempts} attempts.", on_failure)
            return job
        job.state = Job.State.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.lease_expires_at = _lease_expiry(now)
        job.sent_at = job.sent_at or now
        job.error = ""
        job.save(
            update_fields=[
                "state",
                "attempts",
                "started_at",
                "heartbeat_at",
                "error",
                "sent_at",
                "lease_token",
                "lease_owner",
                "lease_expires_at",
            ]
        )

    ctx = JobContext(job)
    try:
        with _LeaseKeeper(job.pk, job.lease_token):
            work(ctx)
        _finish(job, Job.State.SUCCEEDED, "")
    except LeaseLost:
        logger.warning(
            "job %s (%s %s) was taken over by another runner; its results were not written",
            job.pk,
            job.kind,
            job.subject,
        )
        if ctx.outputs and not ctx.recorded:
            # Only this attempt's own prefix: the runner that took over writes under another.
            _remove_objects(job.pk, ctx.outputs)
    except TransientJobError:
        _held(job).update(state=Job.State.QUEUED, lease_owner="", lease_expires_at=None)
        raise
    except JobFailed as exc:
        _fail(job, str(exc), on_failure)
    except Exception:  # noqa: BLE001 - the job must end failed, whatever the work raised
        logger.exception("job %s (%s %s) crashed", job.pk, job.kind, job.subject)
        _fail(job, "Internal error while processing.", on_failure)
    return job


def _held(job: Job):
    return Job.objects.filter(pk=job.pk, lease_token=job.lease_token).exclude(
        state__in=[Job.State.SUCCEEDED, Job.State.FAILED]
    )


def _fail(job: Job, reason: str, on_failure) -> None:
    try:
        _finish(job, Job.State.FAILED, reason, on_failure)
    except LeaseLost:
        logger.warning("job %s was taken over by another runner; its failure was not recorded", job.pk)


def _finish(job: Job, state: str, error: str, on_failure=None) -> None:
    """Record the outcome (and run the failure hook) in one transaction, only under the lease."""
    now = timezone.now()
    error = client_safe(error)
    progress = 100 if state == Job.State.SUCCEEDED else job.progress
    with transaction.atomic():
        if not _held(job).update(
            state=state,
            error=error,
            finished_at=now,
            heartbeat_at=now,
            progress=progress,
            lease_owner="",
            lease_expires_at=None,
        ):
            raise LeaseLost(f"job {job.pk} is no longer leased by this runner")
        job.state, job.error, job.finished_at, job.heartbeat_at, job.progress = state, error, now, now, progress
        if state == Job.State.FAILED and on_failure:
            on_failure(job, error)
        # Webhooks: the event is written with the outcome and sent once it commits.
        announce_job_outcome(job)
    # A prefix still noted was never recorded (the work failed, gave up, or kept nothing).
    remove_unrecorded_outputs(job.pk)


def _remove_objects(job_id, prefix: str) -> bool:
    try:
        removed = object_storage.delete_prefix(prefix)
    except Exception as exc:  # noqa: BLE001 - storage down: the sweeper tries again
        logger.warning("job %s: outputs under %s not removed yet: %r", job_id, prefix, exc)
        return False
    if removed:
        logger.info("job %s: removed %s bytes of unrecorded outputs under %s", job_id, removed, prefix)
    return True


def remove_unrecorded_outputs(job_id) -> bool:
    """Delete the objects under the job's unrecorded output prefix, then forget the prefix.
    False when storage refused (the prefix stays noted for the sweeper)."""
    prefix = Job.objects.filter(pk=job_id).values_list("output_prefix", flat=True).first()
    if not prefix:
        return True
    if not _remove_objects(job_id, prefix):
        return False
    Job.objects.filter(pk=job_id, output_prefix=prefix).update(output_prefix="")
    return True


def sweep_unrecorded_outputs() -> int:
    """Remove what finished jobs left unrecorded and could not remove then (storage was down).
    Running and queued jobs are left alone: their next attempt removes it, or their end does."""
    finished = Job.objects.filter(state__in=(Job.State.SUCCEEDED, Job.State.FAILED)).exclude(output_prefix="")
    return sum(remove_unrecorded_outputs(job_id) for job_id in finished.values_list("pk", flat=True))


def sweep_stuck_jobs() -> int:
    """Re-queue running jobs whose lease expired and send queued jobs that never reached a worker.

    The re-sent task either finishes the job or, past max_attempts, fails it (and
    the domain's failure hook runs there), so nothing stays "processing" forever.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_STUCK_TIMEOUT)
    unsent_cutoff = now - timedelta(seconds=settings.JOB_SEND_GRACE)
    stuck = list(
        Job.objects.filter(state=Job.State.RUNNING, lease_expires_at__lt=now)
        | Job.objects.filter(state=Job.State.RUNNING, lease_expires_at__isnull=True, heartbeat_at__lt=cutoff)
        | Job.objects.filter(state=Job.State.QUEUED, sent_at__isnull=True, created_at__lt=unsent_cutoff)
        | Job.objects.filter(state=Job.State.QUEUED, created_at__lt=cutoff, heartbeat_at__isnull=True)
        | Job.objects.filter(state=Job.State.QUEUED, heartbeat_at__lt=cutoff)
    )
    return _requeue(stuck, "stuck")


def requeue_for_staff(queryset) -> int:
    """Staff re-queue the selected jobs that did not succeed (failed ones get their attempts
    back); each is sent once the re-queue commits, and one the broker did not take is sent by
    the sweeper."""
    count = 0
    with transaction.atomic():
        for job in queryset.exclude(state=Job.State.SUCCEEDED).select_for_update():
            Job.objects.filter(pk=job.pk).update(
                state=Job.State.QUEUED, attempts=0, error="", finished_at=None, sent_at=None
            )
            transaction.on_commit(functools.partial(send_job, job.pk, job.task_name, job.request_id))
            count += 1
    return count


def requeue_orphaned_jobs() -> int:
    """Re-queue running jobs that no live process owns: the lease expired, or its owner was a
    process on this host that is gone (a worker restarted after a kill). Run at worker start."""
    now = timezone.now()
    running = Job.objects.filter(state=Job.State.RUNNING)
    orphaned = [
        job
        for job in running
        if not job.lease_expires_at or job.lease_expires_at < now or processes.is_dead(job.lease_owner)
    ]
    return _requeue(orphaned, "orphaned")


def _requeue(jobs: list[Job], why: str) -> int:
    requeued = 0
    for job in jobs:
        # Only the state read above is re-queued: a job claimed or finished meanwhile is left alone.
        if not Job.objects.filter(pk=job.pk, state=job.state, lease_token=job.lease_token).update(
            state=Job.State.QUEUED, heartbeat_at=timezone.now(), sent_at=None, lease_owner="", lease_expires_at=None
        ):
            continue
        logger.warning("re-queued %s job %s (%s %s), attempt %s", why, job.pk, job.kind, job.subject, job.attempts)
        if send_job(job.pk, job.task_name, job.request_id):
            requeued += 1
    return requeued
