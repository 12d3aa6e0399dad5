"""Job outputs: stored under the attempt's own prefix, kept only when the job records them.
Whatever ends the attempt without recording (a failure, giving up after a killed attempt, a lost
lease, a storage outage at the end) leaves zero bytes behind once the sweeper has run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import jobs
from core.models import Job
from core.storage import new_key, object_storage

pytestmark = pytest.mark.django_db

UNDER = "things/7"


@pytest.fixture(autouse=True)
def _storage(local_storage):
    return local_storage


def make_job(**fields):
    return Job.objects.create(kind="test.outputs", task_name="core.cleanup_storage", **fields)


def stored_bytes(prefix: str = "") -> int:
    return sum(object_storage.size(key) for key in object_storage.list(prefix))


def write_output(ctx, size=10_000) -> str:
    return object_storage.put_bytes(new_key(ctx.output_prefix(UNDER), ".bin"), b"x" * size).key


def test_recorded_outputs_are_kept_under_the_job_s_prefix():
    job = make_job()
    recorded = []

    def work(ctx):
        key = write_output(ctx)
        with ctx.writing_results():
            recorded.append(key)

    jobs.run_job(job.pk, work)
    job.refresh_from_db()
    assert job.state == "succeeded" and job.output_prefix == ""
    assert recorded[0].startswith(f"{UNDER}/outputs/job-{job.pk}/{job.lease_token}/")
    assert object_storage.list(UNDER) == recorded


@pytest.mark.parametrize("ending", ["job failed", "crash", "succeeded without recording"])
def test_outputs_an_attempt_did_not_record_are_removed_when_it_ends(ending):
    job = make_job()

    def work(ctx):
        write_output(ctx)
        write_output(ctx, size=3_000)
        if ending == "job failed":
            raise jobs.JobFailed("The audio is corrupt.")
        if ending == "crash":
            raise RuntimeError("engine died")

    jobs.run_job(job.pk, work)
    job.refresh_from_db()
    assert job.state == ("succeeded" if ending == "succeeded without recording" else "failed")
    assert stored_bytes() == 0 and job.output_prefix == ""


def test_a_killed_attempt_s_outputs_are_removed_by_the_next_attempt_and_not_the_new_ones():
    killed = f"{UNDER}/outputs/job-x/1"
    object_storage.put_bytes(f"{killed}/partial.bin", b"x" * 10_000)
    job = make_job(
        state=Job.State.RUNNING,
        attempts=1,
        lease_token=1,
        output_prefix=killed,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    kept = []

    def work(ctx):
        key = write_output(ctx)
        with ctx.writing_results():
            kept.append(key)

    jobs.run_job(job.pk, work)
    assert object_storage.list(UNDER) == kept


def test_a_job_that_gives_up_after_a_killed_attempt_leaves_nothing():
    killed = f"{UNDER}/outputs/job-x/3"
    object_storage.put_bytes(f"{killed}/partial.bin", b"x" * 10_000)
    job = make_job(
        state=Job.State.RUNNING,
        attempts=3,
        max_attempts=3,
        lease_token=3,
        output_prefix=killed,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    jobs.run_job(job.pk, lambda ctx: pytest.fail("past max_attempts the job gives up"))
    job.refresh_from_db()
    assert job.state == "failed" and job.error.startswith("Gave up")
    assert stored_bytes() == 0 and job.output_prefix == ""


def test_a_runner_that_lost_its_lease_removes_its_own_outputs_only():
    job = make_job()
    fresh_keys = []

    def stale_work(ctx):
        write_output(ctx)
        Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

        def fresh_work(fresh_ctx):
            key = write_output(fresh_ctx)
            with fresh_ctx.writing_results():
                fresh_keys.append(key)

        jobs.run_job(job.pk, fresh_work)
        write_output(ctx)  # the stale runner goes on writing until its lease check stops it
        with ctx.writing_results():
            pytest.fail("the stale runner must not record")

    jobs.run_job(job.pk, stale_work)
    assert object_storage.list(UNDER) == fresh_keys


def test_the_sweeper_removes_what_storage_refused_to_delete_when_the_job_ended(monkeypatch):
    job = make_job()
    real_delete_prefix = object_storage.delete_prefix

    def storage_down(prefix):
        raise OSError("storage unavailable")

    def work(ctx):
        write_output(ctx)
        monkeypatch.setattr(type(object_storage), "delete_prefix", lambda self, prefix: storage_down(prefix))
        raise jobs.JobFailed("The audio is corrupt.")

    jobs.run_job(job.pk, work)
    job.refresh_from_db()
    assert job.state == "failed" and job.output_prefix and stored_bytes() == 10_000

    monkeypatch.setattr(type(object_storage), "delete_prefix", lambda self, prefix: real_delete_prefix(prefix))
    assert jobs.sweep_unrecorded_outputs() == 1
    job.refresh_from_db()
    assert stored_bytes() == 0 and job.output_prefix == ""
