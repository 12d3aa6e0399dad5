"""The job convention: claim, attempts, outcome, idempotence and the stuck-job sweeper."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import jobs
from core.models import Job

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


def test_sweeper_requeues_only_stuck_jobs(settings, monkeypatch):
    sent = []
    monkeypatch.setattr(jobs.current_app, "send_task", lambda name, args: sent.append((name, args)))
    old = timezone.now() - timedelta(seconds=settings.JOB_STUCK_TIMEOUT + 5)
    stuck = make_job(state=Job.State.RUNNING, heartbeat_at=old, attempts=1)
    make_job(state=Job.State.RUNNING, heartbeat_at=timezone.now(), attempts=1)
    make_job(state=Job.State.SUCCEEDED, heartbeat_at=old)
    never_picked = make_job()
    Job.objects.filter(pk=never_picked.pk).update(created_at=old)
    assert jobs.sweep_stuck_jobs() == 2
    assert sorted(args[0] for _, args in sent) == sorted([str(stuck.pk), str(never_picked.pk)])
    stuck.refresh_from_db()
    assert stuck.state == "queued"
