"""The job convention: claim, attempts, outcome, idempotence and the stuck-job sweeper."""

import os
import socket
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from core import jobs
from core.models import Job
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db


def make_job(**fields):
    return Job.objects.create(kind="test.work", task_name="core.cleanup_storage", **fields)


def test_success_records_progress_and_attempt():
    job = make_job()
    seen = []
    jobs.run_job(job.pk, lambda ctx: (ctx.progress(40), seen.append(ctx.job.state)))
    job.refresh_from_db()
    assert seen == ["running"]
    assert (job.state, job.progress, job.attempts, job.error) == ("succeeded", 100, 1, "")
    assert job.started_at and job.finished_at


def test_jobs_are_started_by_task_name_only():
    from core.tasks import cleanup_storage

    job = jobs.start_job("storage.cleanup", "core.cleanup_storage", payload={"keys": []})
    assert job.task_name == "core.cleanup_storage"
    # Neither a misspelt name nor the task object itself: services never import their tasks.
    for wrong in ("core.cleanup_storgae", cleanup_storage):
        with pytest.raises(KeyError):
            jobs.start_job("storage.cleanup", wrong, payload={"keys": []})
    assert Job.objects.filter(kind="storage.cleanup").count() == 1


def test_a_finished_job_is_not_run_again():
    job = make_job(state=Job.State.SUCCEEDED)
    calls = []
    jobs.run_job(job.pk, lambda ctx: calls.append(1))
    assert calls == []


def test_job_failed_records_the_reason_and_calls_the_hook():
    job = make_job()
    failures = []

    def work(ctx):
        raise jobs.JobFailed("The audio is corrupt.")

    jobs.run_job(job.pk, work, on_failure=lambda j, reason: failures.append(reason))
    job.refresh_from_db()
    assert job.state == "failed" and job.error == "The audio is corrupt."
    assert failures == ["The audio is corrupt."]


def test_a_crash_fails_the_job_without_leaking_details(caplog):
    job = make_job()
    jobs.run_job(job.pk, lambda ctx: 1 / 0)
    job.refresh_from_db()
    assert job.state == "failed" and job.error == "Internal error while processing."
    assert "ZeroDivisionError" in caplog.text


def test_a_failure_reason_never_shows_a_server_path(tmp_path):
    """ffmpeg names the file it failed on; the client sees what went wrong, not where."""
    from core.media import MediaError, audio

    damaged = tmp_path / "stamp-7-x1y2" / "source.mp3"
    damaged.parent.mkdir()
    damaged.write_bytes(b"\xff\xfb" + b"\x00" * 4000)
    job = make_job()
    failures = []

    def work(ctx):
        try:
            audio.transcode(damaged, tmp_path / "out.m4a", ["-c:a", "aac"])
        except MediaError as exc:
            assert str(tmp_path) in str(exc)  # the engine's own message does name the path
            raise jobs.JobFailed(str(exc)) from None

    jobs.run_job(job.pk, work, on_failure=lambda j, reason: failures.append(reason))
    job.refresh_from_db()
    assert job.state == "failed" and job.error.startswith("Audio conversion failed")
    assert str(tmp_path) not in job.error and "stamp-7-x1y2" not in job.error and "/" not in job.error
    assert failures == [job.error]


@pytest.mark.parametrize(
    "reason, shown",
    [
        (
            "Audio conversion failed: /tmp/stamp-3-abc/source.mp3: Invalid data found when processing input",
            "Audio conversion failed: the file: Invalid data found when processing input",
        ),
        (
            "Audio conversion failed: [mp3float @ 0x55d1c2a3b4c0] Header missing",
            "Audio conversion failed: [mp3float] Header missing",
        ),
        ("Could not open C:\\Temp\\x\\a.wav", "Could not open the file"),
        ("See https://example.com/docs/errors for help.", "See https://example.com/docs/errors for help."),
        ("A stored file is damaged: stamps/12/outputs/a.m4a.", "A stored file is damaged: stamps/12/outputs/a.m4a."),
    ],
)
def test_client_safe_reasons(reason, shown):
    assert jobs.client_safe(reason) == shown


def test_transient_errors_requeue_for_retry():
    job = make_job()

    def work(ctx):
        raise jobs.TransientJobError("storage briefly unavailable")

    with pytest.raises(jobs.TransientJobError):
        jobs.run_job(job.pk, work)
    job.refresh_from_db()
    assert job.state == "queued" and job.attempts == 1


def test_a_poison_job_fails_after_max_attempts():
    job = make_job(attempts=3, max_attempts=3, state=Job.State.RUNNING)
    failures = []
    jobs.run_job(job.pk, lambda ctx: pytest.fail("must not run"), on_failure=lambda j, r: failures.append(r))
    job.refresh_from_db()
    assert job.state == "failed" and job.error == "Gave up after 3 attempts."
    assert failures == [job.error]


def test_sweeper_requeues_only_stuck_jobs(settings):
    old = timezone.now() - timedelta(seconds=settings.JOB_STUCK_TIMEOUT + 5)
    stuck = make_job(state=Job.State.RUNNING, heartbeat_at=old, attempts=1)
    lease_expired = make_job(
        state=Job.State.RUNNING,
        heartbeat_at=timezone.now(),
        attempts=1,
        lease_owner="elsewhere:1",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    leased = make_job(
        state=Job.State.RUNNING,
        heartbeat_at=timezone.now(),
        attempts=1,
        lease_owner="elsewhere:1",
        lease_expires_at=timezone.now() + timedelta(seconds=60),
    )
    make_job(state=Job.State.SUCCEEDED, heartbeat_at=old)
    never_picked = make_job(sent_at=old)
    Job.objects.filter(pk=never_picked.pk).update(created_at=old)
    never_sent = make_job()
    Job.objects.filter(pk=never_sent.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.JOB_SEND_GRACE + 1)
    )
    just_created = make_job()

    assert jobs.sweep_stuck_jobs() == 4

    requeued = Job.objects.filter(pk__in=[stuck.pk, lease_expired.pk, never_picked.pk, never_sent.pk])
    assert {job.state for job in requeued} == {"queued"}
    assert all(job.sent_at and not job.lease_owner for job in requeued)
    leased.refresh_from_db()
    just_created.refresh_from_db()
    assert leased.state == "running" and just_created.sent_at is None


# --- leases: one runner at a time, and a runner that lost its lease writes nothing -------------------
def test_a_second_runner_refuses_while_the_lease_is_live():
    job = make_job(
        state=Job.State.RUNNING,
        attempts=1,
        lease_owner="other-host:4242",
        lease_token=1,
        lease_expires_at=timezone.now() + timedelta(seconds=60),
    )
    jobs.run_job(job.pk, lambda ctx: pytest.fail("must not run while another runner holds the lease"))
    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_owner, job.lease_token) == ("running", 1, "other-host:4242", 1)


def test_a_job_whose_owner_process_died_on_this_host_is_taken_over():
    dead = subprocess.Popen(["true"])
    dead.wait()
    job = make_job(
        state=Job.State.RUNNING,
        attempts=1,
        lease_owner=f"{socket.gethostname()}:{dead.pid}",
        lease_token=1,
        lease_expires_at=timezone.now() + timedelta(seconds=60),
    )
    jobs.run_job(job.pk, lambda ctx: ctx.progress(50))
    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_token) == ("succeeded", 2, 2)


def test_a_runner_whose_lease_was_taken_over_writes_nothing():
    """The stale runner stalls past its lease, a second runner claims and finishes the job;
    the stale runner's result write and its outcome are refused (fencing token)."""
    job = make_job()
    written = []

    def stale_work(ctx):
        Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

        def fresh_work(fresh_ctx):
            with fresh_ctx.writing_results():
                written.append("fresh")

        jobs.run_job(job.pk, fresh_work)
        with ctx.writing_results():
            written.append("stale")

    jobs.run_job(job.pk, stale_work, on_failure=lambda j, reason: pytest.fail("the stale runner must not fail it"))
    job.refresh_from_db()
    assert written == ["fresh"]
    assert (job.state, job.attempts, job.lease_token) == ("succeeded", 2, 2)


def test_progress_from_a_runner_that_lost_its_lease_stops_the_work():
    job = make_job()
    after_takeover = []

    def work(ctx):
        Job.objects.filter(pk=job.pk).update(lease_token=ctx.token + 1)
        ctx.progress(50)
        after_takeover.append("ran on")

    jobs.run_job(job.pk, work)
    job.refresh_from_db()
    assert after_takeover == [] and job.state == "running" and job.progress == 0


@pytest.mark.django_db(transaction=True)
def test_a_long_call_without_progress_keeps_its_lease(settings):
    settings.JOB_LEASE_SECONDS = 3
    job = make_job()

    def long_engine_call(ctx):
        first = Job.objects.get(pk=job.pk).lease_expires_at
        wait_until(
            lambda: Job.objects.get(pk=job.pk).lease_expires_at > first, timeout=20, message="the lease to be renewed"
        )

    jobs.run_job(job.pk, long_engine_call)
    job.refresh_from_db()
    assert job.state == "succeeded" and job.lease_owner == "" and job.lease_expires_at is None


def test_a_starting_worker_requeues_jobs_of_dead_processes_only():
    dead = subprocess.Popen(["true"])
    dead.wait()
    live_lease = timezone.now() + timedelta(seconds=60)
    orphan = make_job(
        state=Job.State.RUNNING,
        attempts=1,
        lease_owner=f"{socket.gethostname()}:{dead.pid}",
        lease_expires_at=live_lease,
    )
    alive = make_job(
        state=Job.State.RUNNING,
        attempts=1,
        lease_owner=f"{socket.gethostname()}:{os.getpid()}",
        lease_expires_at=live_lease,
    )
    elsewhere = make_job(state=Job.State.RUNNING, attempts=1, lease_owner="other-host:1", lease_expires_at=live_lease)

    assert jobs.requeue_orphaned_jobs() == 1

    states = dict(Job.objects.filter(pk__in=[orphan.pk, alive.pk, elsewhere.pk]).values_list("pk", "state"))
    assert states == {orphan.pk: "queued", alive.pk: "running", elsewhere.pk: "running"}


# --- scratch: one folder per process under the data dir, stale ones removed at start --------------
def test_temporary_files_go_to_this_process_scratch_under_the_data_dir(settings):
    import tempfile
    from pathlib import Path

    from core import scratch

    with tempfile.TemporaryDirectory() as folder:
        assert Path(folder).parent == scratch.use_own_scratch()
        assert Path(folder).is_relative_to(settings.SCRATCH_DIR)


def test_scratch_of_dead_processes_is_removed_and_live_ones_kept(settings):
    from core import scratch

    dead = subprocess.Popen(["true"])
    dead.wait()
    host = socket.gethostname()
    stale = settings.SCRATCH_DIR / f"{host}-pid{dead.pid}"
    (stale / "stamp-1-abc").mkdir(parents=True)
    (stale / "stamp-1-abc" / "source.wav").write_bytes(b"x" * 4096)
    live = settings.SCRATCH_DIR / f"{host}-pid{os.getpid()}"
    elsewhere = settings.SCRATCH_DIR / f"other-host-pid{dead.pid}"
    elsewhere.mkdir(parents=True, exist_ok=True)

    assert scratch.remove_stale_scratch() == 4096

    assert not stale.exists() and live.exists() and elsewhere.exists()
    elsewhere.rmdir()


def test_a_zombie_owner_counts_as_dead():
    from core import processes

    zombie = subprocess.Popen(["true"])
    os.waitid(os.P_PID, zombie.pid, os.WEXITED | os.WNOWAIT)  # it has exited; WNOWAIT leaves it unreaped
    assert processes.is_dead(f"{socket.gethostname()}:{zombie.pid}")
    zombie.wait()


def test_staff_requeue_gives_attempts_back_and_sends_only_after_commit(django_capture_on_commit_callbacks):
    failed = make_job(
        state=Job.State.FAILED, attempts=3, error="boom", finished_at=timezone.now(), sent_at=timezone.now()
    )
    done = make_job(state=Job.State.SUCCEEDED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert jobs.requeue_for_staff(Job.objects.filter(pk__in=[failed.pk, done.pk])) == 1
        failed.refresh_from_db()
        assert failed.sent_at is None
    assert len(callbacks) == 1
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.state, failed.attempts, failed.error, failed.finished_at) == ("queued", 0, "", None)
    assert failed.sent_at is not None
    assert done.state == "succeeded"
