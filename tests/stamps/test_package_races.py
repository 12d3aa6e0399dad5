"""Jobs on the same stamp do not break each other, and a stamp's deletion leaves nothing in
storage, not even the outputs of a job killed before it recorded them."""

import zipfile

import pytest

from core import services as core_services
from core.models import Job
from core.storage import object_storage
from stamps.packaging import services as packaging_services
from stamps.packaging import vst
from stamps.models import Stamp, StampFile
from tests.stamps.conftest import upload_audio, upload_image

pytestmark = pytest.mark.fault


def _run_cleanups():
    """The storage cleanups the request scheduled (their messages are not sent in this test's transaction)."""
    for cleanup in Job.objects.filter(kind="storage.cleanup", state=Job.State.QUEUED):
        core_services.run_storage_cleanup(cleanup.pk)


@pytest.mark.django_db
def test_regenerating_the_thumbnail_while_packaging_runs_breaks_neither(api, make_stamp, stamp_media, monkeypatch):
    stamp = make_stamp(title="Race")
    assert upload_audio(api, stamp.pk, stamp_media["wav"]).status_code == 201
    assert upload_image(api, stamp.pk).status_code == 201
    assert api.post(
        f"/api/v1/security/vst/{stamp.pk}/thumbnail/generate", {"style": "cover"}, format="json"
    ).status_code in (200, 201)
    old_thumbnail = StampFile.objects.get(stamp=stamp, role="thumbnail")
    assert api.post(f"/api/v1/security/vst/{stamp.pk}/complete-package", {}, format="json").status_code == 202
    job = Stamp.objects.get(pk=stamp.pk).package_job

    write_package = vst.write_package

    def regenerate_then_write(*args, **kwargs):
        # The race, at its worst moment: packaging has read its inputs and is about to write the
        # package when the owner regenerates the thumbnail and the old one is deleted.
        regenerated = api.post(
            f"/api/v1/security/vst/{stamp.pk}/thumbnail/regenerate", {"style": "waveform", "force": True}, format="json"
        )
        assert regenerated.status_code in (200, 201), regenerated.content
        _run_cleanups()
        assert not object_storage.exists(old_thumbnail.key)
        return write_package(*args, **kwargs)

    monkeypatch.setattr(vst, "write_package", regenerate_then_write)
    packaging_services.run_packaging(job.pk)

    stamp.refresh_from_db()
    assert stamp.conversion_status == "completed", stamp.failure_reason
    package = StampFile.objects.get(stamp=stamp, role="package")
    with object_storage.open(package.key) as handle, zipfile.ZipFile(handle) as archive:
        assert any("thumbnail" in name for name in archive.namelist())
        assert archive.testzip() is None
    current = StampFile.objects.get(stamp=stamp, role="thumbnail")
    assert current.key != old_thumbnail.key and current.details["style"] == "waveform"


@pytest.mark.django_db
def test_outputs_of_a_killed_packaging_attempt_are_removed_by_the_next_one_and_by_deletion(
    api, make_stamp, stamp_media
):
    stamp = make_stamp(title="Killed")
    assert upload_audio(api, stamp.pk, stamp_media["wav"]).status_code == 201
    assert api.post(f"/api/v1/security/vst/{stamp.pk}/complete-package", {}, format="json").status_code == 202
    job = Stamp.objects.get(pk=stamp.pk).package_job
    # What a worker killed mid-packaging leaves: an output no row records, under the prefix its
    # attempt noted on the job (tests/core/test_faults_outputs.py kills a real worker).
    killed_attempt = f"stamps/{stamp.pk}/outputs/job-{job.pk}/0"
    left = object_storage.put_bytes(f"{killed_attempt}/orphan.vst", b"x" * 10_000, "application/octet-stream").key
    Job.objects.filter(pk=job.pk).update(output_prefix=killed_attempt)

    packaging_services.run_packaging(job.pk)

    stamp.refresh_from_db()
    assert stamp.conversion_status == "completed", stamp.failure_reason
    assert not object_storage.exists(left)
    recorded = set(StampFile.objects.filter(stamp=stamp).values_list("key", flat=True))
    assert set(object_storage.list(f"stamps/{stamp.pk}")) == recorded

    # Deleting the stamp deletes its prefix: the recorded objects and any that no row names.
    stray = object_storage.put_bytes(
        f"stamps/{stamp.pk}/outputs/job-stale/stray.bin", b"y" * 5_000, "application/octet-stream"
    ).key
    assert api.delete(f"/api/v1/voicestamps/{stamp.pk}").status_code in (200, 204)
    _run_cleanups()
    assert object_storage.list(f"stamps/{stamp.pk}") == []
    assert not object_storage.exists(stray)
