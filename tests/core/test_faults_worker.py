"""Workers under real faults: a Redis restart while a job runs, a killed worker. Each job runs
once (its runs file has one line) and the worker keeps consuming afterwards."""

import os
import signal
import time
import uuid

import pytest
from django.utils import timezone
from kombu import Connection

from core import jobs, processes
from core.models import Job
from tests.conftest import wait_until
from tests.core.fault_tasks import hold_until_released

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.fault]


class HeldJob:
    """A tests.hold_until_released job published to one broker and queue."""

    def __init__(self, tmp_path, broker_url: str | None, queue: str):
        name = uuid.uuid4().hex[:8]
        self.release = tmp_path / f"{name}.release"
        self.runs = tmp_path / f"{name}.runs"
        self.job = Job.objects.create(
            kind="tests.hold",
            task_name=hold_until_released.name,
            payload={"release": str(self.release), "runs": str(self.runs)},
        )
        self.broker_url, self.queue = broker_url, queue

    def send(self) -> "HeldJob":
        if self.broker_url is None:
            hold_until_released.apply_async(args=[str(self.job.pk)], queue=self.queue)
            return self
        with Connection(self.broker_url) as connection:
            hold_until_released.apply_async(args=[str(self.job.pk)], connection=connection, queue=self.queue)
        return self

    def state(self) -> str:
        return Job.objects.get(pk=self.job.pk).state

    def result_writes(self) -> int:
        return len(self.runs.read_text().splitlines()) if self.runs.exists() else 0


@pytest.mark.parametrize("finishes", ["after the worker reconnected", "while Redis is down"])
def test_a_redis_restart_while_a_job_runs_does_not_kill_the_worker(start_worker, own_redis, tmp_path, finishes):
    """Before: kombu 5.7.0 ended the worker with AttributeError('NoneType' ... 'hostname') when the
    job finished after the reconnect (its ack went to the collected channel)."""
    worker = start_worker({"REDIS_URL": own_redis.url}, concurrency=2, include="tests.core.fault_tasks")
    held = HeldJob(tmp_path, own_redis.url, worker.queue).send()
    wait_until(lambda: held.state() == Job.State.RUNNING, timeout=60, message="the job to start")

    own_redis.stop()
    # Down long enough for the worker to fail a reconnect.
    wait_until(
        lambda: any("Cannot connect to redis" in line for line in worker.lines),
        timeout=60,
        message="the worker to fail to reconnect",
    )
    if finishes == "while Redis is down":
        held.release.touch()
        wait_until(lambda: held.state() != Job.State.RUNNING, timeout=60, message="the job to end")
    own_redis.start()
    if finishes == "after the worker reconnected":
        wait_until(
            lambda: sum("Connected to redis" in line for line in worker.lines) >= 2,
            timeout=60,
            message="the worker to reconnect",
        )
    held.release.touch()

    wait_until(
        lambda: held.state() == Job.State.SUCCEEDED or worker.process.poll() is not None,
        timeout=120,
        message="the job to finish or the worker to die",
    )
    assert worker.process.poll() is None, "\n".join(worker.lines[-30:])
    assert held.state() == Job.State.SUCCEEDED and held.result_writes() == 1

    # The worker consumes again on the restarted Redis.
    after = HeldJob(tmp_path, own_redis.url, worker.queue).send()
    after.release.touch()
    wait_until(lambda: after.state() == Job.State.SUCCEEDED, timeout=120, message="a job after the restart")
    assert after.result_writes() == 1


def test_a_killed_worker_s_job_is_requeued_when_a_worker_starts_and_runs_once(
    start_worker, tmp_path, settings, record_property
):
    """The whole worker is killed mid-job (no redelivery, lease still live): the next worker to start
    re-queues the job at once instead of after JOB_STUCK_TIMEOUT, and removes the dead scratch."""
    first = start_worker(include="tests.core.fault_tasks")
    held = HeldJob(tmp_path, None, first.queue).send()
    wait_until(lambda: held.state() == Job.State.RUNNING, timeout=60, message="the job to start")
    killed = Job.objects.get(pk=held.job.pk)
    assert killed.lease_expires_at > timezone.now()
    dead_scratch = list(settings.SCRATCH_DIR.glob(f"*-pid{killed.lease_owner.rpartition(':')[2]}"))
    wait_until(lambda: list(dead_scratch[0].glob("held-*/partial.bin")), timeout=30, message="the job's scratch")
    for pid in [*first.child_pids(), first.process.pid]:
        os.kill(pid, signal.SIGKILL)
    first.process.wait(timeout=30)
    wait_until(lambda: processes.is_dead(killed.lease_owner), timeout=30, message="the job's process to be gone")

    started = time.monotonic()
    second = start_worker(include="tests.core.fault_tasks")
    wait_until(
        lambda: Job.objects.get(pk=held.job.pk).lease_token > killed.lease_token,
        timeout=60,
        message="the job to be claimed again",
    )
    recovered_in = time.monotonic() - started
    record_property("seconds_to_claim_again_after_a_worker_started", round(recovered_in, 1))
    held.release.touch()
    wait_until(lambda: held.state() == Job.State.SUCCEEDED, timeout=60, message="the re-queued job to finish")

    job = Job.objects.get(pk=held.job.pk)
    assert job.attempts == 2 and held.result_writes() == 1
    assert recovered_in < settings.JOB_STUCK_TIMEOUT / 10
    assert not dead_scratch[0].exists()
    assert second.process.poll() is None


def test_a_stalled_worker_s_job_taken_over_by_another_is_written_once(start_worker, tmp_path, settings):
    """The worker running a job is frozen (SIGSTOP) past its lease, the sweeper re-queues the job and
    a second worker finishes it; when the first wakes up its result write is refused (fencing).
    Before: run_job refused only finished jobs, so both wrote (a transcript went from 7 to 19
    segments 22 s after the job reported success)."""
    settings.JOB_LEASE_SECONDS = 3
    env = {"JOB_LEASE_SECONDS": "3"}
    first = start_worker(env, include="tests.core.fault_tasks")
    held = HeldJob(tmp_path, None, first.queue).send()
    wait_until(lambda: held.state() == Job.State.RUNNING, timeout=60, message="the job to start")
    stalled = [*first.child_pids(), first.process.pid]
    for pid in stalled:
        os.kill(pid, signal.SIGSTOP)
    try:
        wait_until(
            lambda: Job.objects.get(pk=held.job.pk).lease_expires_at < timezone.now(),
            timeout=30,
            message="the stalled runner's lease to expire",
        )
        second = start_worker(env, include="tests.core.fault_tasks")
        jobs.sweep_stuck_jobs()  # what beat runs; the starting worker may have re-queued it already
        wait_until(
            lambda: Job.objects.get(pk=held.job.pk).lease_token >= 2,
            timeout=60,
            message="the second worker to claim the job",
        )
        held.release.touch()
        wait_until(lambda: held.state() == Job.State.SUCCEEDED, timeout=60, message="the second worker to finish")
    finally:
        for pid in stalled:
            os.kill(pid, signal.SIGCONT)
    wait_until(
        lambda: any("taken over by another runner" in line for line in first.lines),
        timeout=60,
        message="the first worker to find its lease gone",
    )
    job = Job.objects.get(pk=held.job.pk)
    assert (job.state, job.attempts) == (Job.State.SUCCEEDED, 2)
    assert held.result_writes() == 1
    assert first.process.poll() is None and second.process.poll() is None
