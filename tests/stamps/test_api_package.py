"""Packaging and conversion through a real Celery worker: complete-package, convert, package, download,
failure without orphans, and deletion of everything a packaged stamp owns."""

import io
import subprocess
import tempfile
import zipfile

import pytest

from core.models import Job
from core.storage import object_storage
from stamps.packaging import vst
from stamps.models import Stamp, StampFile
from tests.conftest import wait_until
from tests.media import loudness, speech_clip
from tests.stamps.conftest import upload_audio, upload_image

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _status(stamp_id):
    return Stamp.objects.get(pk=stamp_id).conversion_status


def test_workflow_example_end_to_end(api, celery_worker, speech_wav, tmp_path):
    draft = api.post(
        "/api/v1/security/vst/draft",
        {"title": "My First VoiceStamp", "description": "Testing the API workflow"},
        format="json",
    )
    vst_id = draft.json()["vst_id"]
    before = set(object_storage.list(f"stamps/{vst_id}"))
    assert upload_audio(api, vst_id, speech_wav, duration=30.5, format="wav").status_code == 201
    assert upload_image(api, vst_id).status_code == 201

    response = api.post(
        f"/api/v1/security/vst/{vst_id}/complete-package",
        {"voice_tags": [{"timestamp": 1.2, "x": 120, "y": 80, "note": "Important point here"}]},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert response.json() == {
        "success": True,
        "status": "processing",
        "download_url": f"http://testserver/api/v1/security/vst/{vst_id}/download",
    }
    again = api.post(f"/api/v1/security/vst/{vst_id}/complete-package", {}, format="json")
    assert again.json()["status"] == "processing"
    converting = api.post(f"/api/v1/security/vst/{vst_id}/convert")
    assert converting.status_code == 202 and converting.json()["status"] == "processing"
    assert Job.objects.filter(kind="stamps.package", subject=f"stamp:{vst_id}").count() == 1
    assert upload_image(api, vst_id).status_code == 409  # no changes under a running package

    wait_until(lambda: _status(vst_id) in ("completed", "failed"), timeout=120, message="packaging")
    stamp = Stamp.objects.get(pk=vst_id)
    assert stamp.conversion_status == "completed", stamp.failure_reason
    polled = api.get(f"/api/v1/security/vst/{vst_id}/convert").json()
    assert polled["status"] == "completed" and polled["progress"] == 100 and polled["error"] is None
    done = api.post(f"/api/v1/security/vst/{vst_id}/complete-package", {}, format="json")
    assert done.status_code == 200
    assert done.json() == {
        "success": True,
        "status": "completed",
        "download_url": f"http://testserver/api/v1/security/vst/{vst_id}/download",
    }

    package = api.get(f"/api/v1/security/vst/{vst_id}/package")
    assert package.status_code == 200
    assert package["Content-Disposition"] == f"attachment; filename*=UTF-8''voicestamp-{vst_id}.vst"
    body = b"".join(package.streaming_content)
    manifest = vst.validate_package(io.BytesIO(body))
    assert zipfile.ZipFile(io.BytesIO(body)).namelist()[0] == "manifest.json"
    roles = {item["role"]: item for item in manifest["files"]}
    assert set(roles) == {"audio", "image", "audio_aac", "audio_opus", "waveform", "thumbnail"}
    assert manifest["voice_tags"] == [{"timestamp": 1.2, "x": 120.0, "y": 80.0, "note": "Important point here"}]
    assert manifest["stamp"]["conversion_status"] == "completed"  # the state it ships in

    archive = zipfile.ZipFile(io.BytesIO(body))
    for role, codec in [("audio_aac", "aac"), ("audio_opus", "opus")]:
        target = tmp_path / roles[role]["filename"]
        target.write_bytes(archive.read(roles[role]["path"]))
        probed = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", str(target)],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        assert probed == codec
        integrated, true_peak = loudness(target)
        assert integrated == pytest.approx(-16.0, abs=1.5) and true_peak <= -1.0
    import json

    waveform = json.loads(archive.read(roles["waveform"]["path"]))
    assert waveform["buckets"] == len(waveform["peaks"]) == 1000 and max(waveform["peaks"]) > 0.1

    detail = api.get(f"/api/v1/voicestamps/{vst_id}").json()["data"]
    assert detail["conversion_status"] == "completed"
    assert detail["vst_file_path"] == f"/api/v1/security/vst/{vst_id}/package"
    assert detail["file_size_bytes"] == len(body)
    assert detail["thumbnail_path"] == f"/api/v1/security/vst/{vst_id}/thumbnail"
    assert detail["aws_s3_bucket"] is None  # local storage; the S3 variant fills the key fields

    download = api.get(f"/api/v1/security/vst/{vst_id}/download")
    assert download.status_code == 200
    link = download.json()
    assert link["size_bytes"] == len(body) and link["expires_in"] == 3600
    fetched = api.get(link["download_url"].replace("http://testserver", ""))
    assert b"".join(fetched.streaming_content) == body

    owned = set(StampFile.objects.filter(stamp_id=vst_id).values_list("key", flat=True))
    assert owned <= set(object_storage.list(f"stamps/{vst_id}"))

    deleted = api.delete(f"/api/v1/voicestamps/{vst_id}")
    assert deleted.status_code == 200
    wait_until(
        lambda: set(object_storage.list(f"stamps/{vst_id}")) <= before,
        timeout=60,
        message="every object of the stamp to be removed",
    )
    assert not any(object_storage.exists(key) for key in owned)


@pytest.mark.parametrize("seconds,gain_db", [(2, -15), (30, 8)])
def test_package_audio_lands_at_the_loudness_target_whatever_its_length(
    api, celery_worker, settings, tmp_path, seconds, gain_db
):
    # A quiet 2 s clip (shorter than loudnorm's window) and a hot 30 s one: both delivery files at
    # STAMPS_LOUDNESS_LUFS (±1.5 LU), under -1 dBTP, and the manifest details say what was measured.
    source = speech_clip(tmp_path / "voice.wav", seconds, gain_db=gain_db)
    vst_id = api.post("/api/v1/security/vst/draft", {"title": "Loudness"}, format="json").json()["vst_id"]
    assert upload_audio(api, vst_id, source, duration=seconds, format="wav").status_code == 201
    assert api.post(f"/api/v1/security/vst/{vst_id}/complete-package", {}, format="json").status_code == 202
    wait_until(lambda: _status(vst_id) in ("completed", "failed"), timeout=180, message="packaging")
    assert _status(vst_id) == "completed", Stamp.objects.get(pk=vst_id).failure_reason
    for role in ("audio_aac", "audio_opus"):
        delivered = StampFile.objects.get(stamp_id=vst_id, role=role)
        target = tmp_path / f"{role}.bin"
        with object_storage.open(delivered.key) as stored:
            target.write_bytes(stored.read())
        integrated, true_peak = loudness(target)
        assert integrated == pytest.approx(settings.STAMPS_LOUDNESS_LUFS, abs=1.5), (role, integrated)
        assert true_peak <= -1.0, (role, true_peak)
        assert delivered.details["loudness_lufs"] == pytest.approx(integrated, abs=0.2)


def test_a_failing_conversion_ends_failed_with_a_reason_and_no_orphans(api, celery_worker, stamp_media, make_stamp):
    stamp = make_stamp(title="Broken")
    assert upload_audio(api, stamp.pk, stamp_media["mp3"]).status_code == 201
    audio = StampFile.objects.get(stamp=stamp, role="audio")
    wait_until(
        lambda: StampFile.objects.filter(stamp=stamp, role="thumbnail").exists(), timeout=60, message="auto thumbnail"
    )
    # The stored recording is damaged after it was accepted: the job must fail cleanly.
    object_storage.delete(audio.key)
    object_storage.put_bytes(audio.key, b"\xff\xfb" + b"\x00" * 4000, "audio/mpeg")
    before = set(object_storage.list(f"stamps/{stamp.pk}"))

    response = api.post(f"/api/v1/security/vst/{stamp.pk}/convert")
    assert response.status_code == 202 and response.json()["status"] == "processing"
    wait_until(lambda: _status(stamp.pk) in ("completed", "failed"), timeout=120, message="conversion to end")
    stamp.refresh_from_db()
    assert stamp.conversion_status == "failed"
    assert stamp.failure_reason.startswith("Audio conversion failed")
    assert tempfile.gettempdir() not in stamp.failure_reason and f"stamp-{stamp.pk}-" not in stamp.failure_reason
    polled = api.get(f"/api/v1/security/vst/{stamp.pk}/convert").json()
    assert polled["status"] == "failed" and polled["error"] == stamp.failure_reason
    assert Job.objects.get(pk=stamp.package_job_id).state == "failed"
    assert set(object_storage.list(f"stamps/{stamp.pk}")) == before
    assert not StampFile.objects.filter(stamp=stamp, role__in=["audio_aac", "audio_opus", "package"]).exists()
    assert api.get(f"/api/v1/security/vst/{stamp.pk}/package").status_code == 409
    assert api.get(f"/api/v1/security/vst/{stamp.pk}/download").status_code == 409


def test_complete_package_needs_audio_and_valid_tags(api, celery_worker, make_stamp, stamp_media):
    stamp = make_stamp(title="Empty")
    response = api.post(f"/api/v1/security/vst/{stamp.pk}/complete-package", {}, format="json")
    assert response.status_code == 422 and "audio_file" in response.json()["errors"]
    assert upload_audio(api, stamp.pk, stamp_media["wav"]).status_code == 201
    late = api.post(
        f"/api/v1/security/vst/{stamp.pk}/complete-package", {"voice_tags": [{"timestamp": 50}]}, format="json"
    )
    assert late.status_code == 422 and "voice_tags.0.timestamp" in late.json()["errors"]
    bad = api.post(f"/api/v1/security/vst/{stamp.pk}/complete-package", {"voice_tags": "x"}, format="json")
    assert bad.status_code == 422
    assert _status(stamp.pk) == "draft"
    assert not Job.objects.filter(kind="stamps.package").exists()


@pytest.mark.django_db
def test_a_stamp_deleted_while_packaging_leaves_no_outputs(
    api, stamp, stamp_media, local_storage, django_capture_on_commit_callbacks
):
    from stamps.packaging import services as packaging_services

    with django_capture_on_commit_callbacks(execute=False):
        upload_audio(api, stamp.pk, stamp_media["mp3"])
        upload_image(api, stamp.pk)
        api.post(f"/api/v1/security/vst/{stamp.pk}/complete-package", {}, format="json")
    job_id = Stamp.objects.get(pk=stamp.pk).package_job_id
    uploads = set(object_storage.list(f"stamps/{stamp.pk}"))
    with django_capture_on_commit_callbacks(execute=False):
        assert api.delete(f"/api/v1/voicestamps/{stamp.pk}").status_code == 200
    packaging_services.run_packaging(job_id)  # the message the worker would have run
    job = Job.objects.get(pk=job_id)
    assert job.state == "failed" and job.error == "The VoiceStamp was deleted."
    # Only the uploads remain, and the cleanup job scheduled by the delete names every one of them.
    assert set(object_storage.list(f"stamps/{stamp.pk}")) == uploads
    cleanup = Job.objects.get(kind="storage.cleanup", subject=f"stamp:{stamp.pk}")
    assert set(cleanup.payload["keys"]) == uploads
