"""Nothing left behind: a real worker is killed (SIGKILL) while packaging has stored some of its
outputs and recorded none. Whether the next worker retries the job or it has used its attempts
and gives up, the bytes in storage that no row records are zero once it ends, and deleting the
stamp then leaves zero bytes under its prefix. On local disk and on S3."""

import os
import signal
import time

import pytest

from core import processes
from core.models import Job
from core.storage import object_storage
from stamps.models import Stamp, StampFile
from tests.conftest import wait_until
from tests.media import tone
from tests.stamps.conftest import upload_audio

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.fault]

# Long enough that encoding the delivery files takes seconds: the kill lands between the first
# stored output and the row that records them.
SECONDS = 90


def stored_bytes(prefix: str) -> int:
    return sum(object_storage.size(key) for key in object_storage.list(prefix))


def kill(worker):
    for pid in [*worker.child_pids(), worker.process.pid]:
        os.kill(pid, signal.SIGKILL)
    worker.process.wait(timeout=30)


@pytest.mark.parametrize("storage", ["local", "s3"])
@pytest.mark.parametrize("next_attempt", ["retries", "gives up"])
def test_a_worker_killed_mid_packaging_leaves_zero_bytes(
    api, start_worker, request, tmp_path, storage, next_attempt, record_property
):
    env = request.getfixturevalue("s3_storage")["env"] if storage == "s3" else {}
    first = start_worker(env)
    # Worker tests share the worker's storage: objects earlier tests left are not this test's.
    earlier = set(object_storage.list("stamps"))
    vst_id = api.post("/api/v1/security/vst/draft", {"title": "Killed"}, format="json").json()["vst_id"]
    assert upload_audio(api, vst_id, tone(tmp_path / "long.wav", seconds=SECONDS)).status_code == 201
    wait_until(
        lambda: StampFile.objects.filter(stamp_id=vst_id, role="thumbnail").exists(),
        timeout=120,
        message="the upload's thumbnail",
    )
    assert api.post(f"/api/v1/security/vst/{vst_id}/complete-package", {}, format="json").status_code == 202
    job_id = Stamp.objects.get(pk=vst_id).package_job_id
    outputs = f"stamps/{vst_id}/outputs/job-{job_id}"
    wait_until(lambda: object_storage.list(outputs), timeout=120, interval=0.05, message="a stored output")
    killed = Job.objects.get(pk=job_id)
    kill(first)
    wait_until(lambda: processes.is_dead(killed.lease_owner), timeout=30, message="the job's process to be gone")
    left_by_the_kill = stored_bytes(outputs)
    assert killed.state == "running" and left_by_the_kill > 0
    assert not StampFile.objects.filter(stamp_id=vst_id, role="package").exists()
    if next_attempt == "gives up":
        Job.objects.filter(pk=job_id).update(max_attempts=killed.attempts)

    started = time.monotonic()
    start_worker(env)
    wait_until(lambda: Job.objects.get(pk=job_id).is_finished, timeout=180, message="the job to end")
    recovered_in = time.monotonic() - started

    job = Job.objects.get(pk=job_id)
    assert job.output_prefix == ""
    recorded = set(StampFile.objects.filter(stamp_id=vst_id).values_list("key", flat=True))
    assert set(object_storage.list(f"stamps/{vst_id}")) - earlier == recorded, "only recorded objects remain"
    if next_attempt == "retries":
        assert job.state == "succeeded" and job.attempts == 2
        assert StampFile.objects.filter(stamp_id=vst_id, role="package").count() == 1
    else:
        assert job.state == "failed" and job.error.startswith("Gave up")
        assert Stamp.objects.get(pk=vst_id).conversion_status == "failed"
        assert stored_bytes(outputs) == 0

    assert api.delete(f"/api/v1/voicestamps/{vst_id}").status_code == 200
    # The stamp's prefix goes whole, with whatever earlier tests left there.
    wait_until(lambda: not object_storage.list(f"stamps/{vst_id}"), timeout=60, message="the stamp's prefix to go")
    assert stored_bytes(f"stamps/{vst_id}") == 0
    # The figures of docs/platform/reliability.md (pytest --junitxml shows them).
    record_property("bytes_left_by_the_kill", left_by_the_kill)
    record_property("seconds_to_end_after_a_worker_started", round(recovered_in, 1))
