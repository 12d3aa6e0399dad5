"""/api/calibration: upload checked by content, f0 estimated by a real Celery worker, enable/auto/rename/delete."""

import math

import numpy as np
import pytest
import soundfile
from django.core.files.uploadedfile import SimpleUploadedFile

from conversions.models import Calibration
from core.media import vocoder
from core.storage import object_storage
from tests.conftest import wait_until
from tests.media import speech_wav, transcode

FIELDS = {
    "id",
    "name",
    "user_id",
    "f0",
    "algorithm",
    "bucket",
    "key",
    "state",
    "error",
    "created_at",
    "calibrated_at",
    "enabled",
}


@pytest.fixture(scope="module")
def voice_sample(tmp_path_factory):
    return speech_wav(tmp_path_factory.mktemp("calibration") / "me.wav", text="My natural voice, speaking calmly.")


def hum(path, frequency=196.0, seconds=1.5):
    rate = 22050
    time = np.arange(int(seconds * rate)) / rate
    signal = sum(np.sin(2 * np.pi * frequency * k * time) / k for k in range(1, 13))
    soundfile.write(path, (0.3 * signal / np.abs(signal).max()).astype(np.float32), rate)
    return path


def upload(api, name, path, content_type="audio/wav"):
    data = SimpleUploadedFile(path.name, path.read_bytes(), content_type=content_type)
    return api.post("/api/calibration", {"name": name, "data": data}, format="multipart")


def make_calibration(user, name="mine", state=Calibration.State.CALIBRATED, f0=120.0, enabled=False):
    key = object_storage.put_bytes(f"calibrations/{user.pk}/{name}.wav", b"RIFF").key
    return Calibration.objects.create(
        user=user,
        name=name,
        audio_key=key,
        audio_format="wav",
        bucket="local",
        state=state,
        f0=f0 if state == Calibration.State.CALIBRATED else None,
        enabled=enabled,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_calibration_estimates_the_speakers_pitch_in_a_worker(api, user, celery_worker, tmp_path, voice_sample):
    known = hum(tmp_path / "hum.wav", frequency=196.0)
    response = upload(api, "Studio mic", known)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == FIELDS
    assert body["state"] == "processing" and body["f0"] is None and body["enabled"] is False
    assert body["user_id"] == str(user.pk) and body["bucket"] == "local" and object_storage.exists(body["key"])

    done = wait_until(
        lambda: api.get(f"/api/calibration/{body['id']}").json()["state"] != "processing",
        timeout=60,
        message="calibration to finish",
    )
    done = api.get(f"/api/calibration/{body['id']}").json()
    assert done["state"] == "calibrated", done
    assert abs(1200 * math.log2(done["f0"] / 196.0)) < 10
    assert done["algorithm"] == "dio" and done["calibrated_at"] and done["error"] is None

    # Speech, converted to FLAC: accepted by content, and its pitch is what the engine measures.
    flac = transcode(voice_sample, tmp_path / "voice.flac")
    speech = upload(api, "Speech", flac, content_type="application/octet-stream").json()
    wait_until(
        lambda: Calibration.objects.get(pk=speech["id"]).state != "processing", timeout=60, message="speech calibration"
    )
    measured = Calibration.objects.get(pk=speech["id"])
    assert measured.state == "calibrated"
    assert measured.f0 == pytest.approx(vocoder.estimate_f0(voice_sample).f0, rel=0.02)


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_audio_without_voice_ends_in_error_with_the_reason(api, celery_worker, tmp_path):
    silence = tmp_path / "silence.wav"
    soundfile.write(silence, np.zeros(22050 * 2, dtype=np.float32), 22050)
    body = upload(api, "Silent room", silence).json()
    wait_until(
        lambda: Calibration.objects.get(pk=body["id"]).state != "processing", timeout=60, message="calibration to fail"
    )
    failed = api.get(f"/api/calibration/{body['id']}").json()
    assert failed["state"] == "error" and failed["f0"] is None
    assert "No voice" in failed["error"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload,location",
    [
        ({}, {("body", "name"), ("body", "data")}),
        ({"name": "bad/name!"}, {("body", "name"), ("body", "data")}),
        ({"name": "x" * 41}, {("body", "name"), ("body", "data")}),
    ],
)
def test_missing_or_malformed_fields_are_422(api, payload, location):
    response = api.post("/api/calibration", payload, format="multipart")
    assert response.status_code == 422
    assert {tuple(item["loc"]) for item in response.json()["detail"]} == location


@pytest.mark.django_db
def test_content_that_is_not_accepted_audio_is_refused_and_nothing_is_kept(api, tmp_path, settings, local_storage):
    fake = tmp_path / "fake.wav"
    fake.write_bytes(b"this is text pretending to be a wav file" * 50)
    response = upload(api, "Fake", fake)
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
    m4a = transcode(hum(tmp_path / "h.wav"), tmp_path / "h.m4a")
    refused = upload(api, "Apple", m4a)
    assert refused.status_code == 400 and "not accepted" in refused.json()["detail"]
    assert Calibration.objects.count() == 0
    assert object_storage.list("calibrations") == []


@pytest.mark.django_db
def test_duplicate_names_and_oversized_files_are_refused(api, user, tmp_path, settings, local_storage):
    make_calibration(user, name="Home")
    duplicate = upload(api, "Home", hum(tmp_path / "a.wav"))
    assert duplicate.status_code == 400 and "already exists" in duplicate.json()["detail"]
    settings.CALIBRATION_MAX_BYTES = 1000
    too_big = upload(api, "Big", hum(tmp_path / "b.wav"))
    assert too_big.status_code == 413 and isinstance(too_big.json()["detail"], str)
    # Declared length within the multipart allowance, file still too large: refused after parsing.
    settings.CALIBRATION_MAX_BYTES = 60_000
    too_big = upload(api, "Big", hum(tmp_path / "c.wav", seconds=1.6))  # ~71 kB of 16-bit PCM
    assert too_big.status_code == 413
    assert Calibration.objects.count() == 1


@pytest.mark.django_db
def test_list_is_paginated_searchable_and_only_mine(api, user, other_user, django_assert_max_num_queries):
    for index in range(5):
        make_calibration(user, name=f"Take {index}")
    make_calibration(other_user, name="Take 9")
    first = api.get("/api/calibration?limit=2")
    assert first.status_code == 200
    body = first.json()
    assert body["pagination"] == {"count": 5, "limit": 2, "offset": 0}
    assert [item["name"] for item in body["list"]] == ["Take 4", "Take 3"]
    assert all(set(item) == FIELDS for item in body["list"])
    assert api.get("/api/calibration").json()["pagination"]["limit"] == 50
    assert [c["name"] for c in api.get("/api/calibration?search=take 1").json()["list"]] == ["Take 1"]
    assert [c["name"] for c in api.get("/api/calibration?direction=asc&limit=2").json()["list"]] == ["Take 0", "Take 1"]
    assert api.get("/api/calibration?direction=sideways").status_code == 422
    for limit in (1, 5):
        with django_assert_max_num_queries(4):
            assert len(api.get(f"/api/calibration?limit={limit}").json()["list"]) == limit
    assert api.get("/api/calibration?limit=201").status_code == 422
    assert api.get("/api/calibration?offset=-1").status_code == 422


@pytest.mark.django_db
def test_enable_keeps_exactly_one_enabled_and_auto_disables_all(api, user):
    first = make_calibration(user, name="First")
    second = make_calibration(user, name="Second")
    assert api.put(f"/api/calibration/{first.pk}/enable").json()["enabled"] is True
    response = api.put(f"/api/calibration/{second.pk}/enable")
    assert response.status_code == 200 and response.json()["enabled"] is True
    assert list(Calibration.objects.filter(enabled=True).values_list("name", flat=True)) == ["Second"]
    # The profile (POST /api/auth) shows the calibration conversions will use.
    assert api.post("/api/auth").json()["data"] == {"calibration": {"calibration_id": str(second.pk), "f0": 120.0}}

    profile = api.post("/api/calibration/auto")
    assert profile.status_code == 200
    assert profile.json()["id"] == str(user.pk) and profile.json()["email"] == user.email
    assert profile.json()["data"] == {"calibration": None}
    assert api.post("/api/auth").json()["data"] == {"calibration": None}
    assert not Calibration.objects.filter(enabled=True).exists()


@pytest.mark.django_db
def test_only_calibrated_ones_can_be_enabled(api, user):
    pending = make_calibration(user, name="Pending", state=Calibration.State.PROCESSING)
    failed = make_calibration(user, name="Failed", state=Calibration.State.ERROR)
    for calibration in (pending, failed):
        response = api.put(f"/api/calibration/{calibration.pk}/enable")
        assert response.status_code == 400 and "only a calibrated one" in response.json()["detail"]
    assert not Calibration.objects.filter(enabled=True).exists()


@pytest.mark.django_db
def test_rename_and_delete(api, user, django_capture_on_commit_callbacks):
    calibration = make_calibration(user, name="Old", enabled=True)
    make_calibration(user, name="Taken")
    assert api.patch(f"/api/calibration/{calibration.pk}", {"name": "New name"}).json()["name"] == "New name"
    assert api.patch(f"/api/calibration/{calibration.pk}", {"name": "Taken"}).status_code == 400
    assert api.patch(f"/api/calibration/{calibration.pk}", {"name": "no_underscores"}).status_code == 422
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deleted = api.delete(f"/api/calibration/{calibration.pk}")
    assert deleted.status_code == 200
    assert deleted.json()["id"] == str(calibration.pk) and deleted.json()["name"] == "New name"
    assert not Calibration.objects.filter(pk=calibration.pk).exists()
    assert len(callbacks) == 1  # the storage cleanup job is sent once the delete commits
    assert api.get(f"/api/calibration/{calibration.pk}").status_code == 404


@pytest.mark.django_db
def test_another_users_calibration_is_not_found(api, other_user, anon):
    theirs = make_calibration(other_user, name="Theirs")
    for method, path in [
        ("get", f"/api/calibration/{theirs.pk}"),
        ("delete", f"/api/calibration/{theirs.pk}"),
        ("put", f"/api/calibration/{theirs.pk}/enable"),
        ("patch", f"/api/calibration/{theirs.pk}"),
    ]:
        response = getattr(api, method)(path, {"name": "Mine now"}, format="json")
        assert response.status_code == 404 and response.json() == {"detail": "Calibration not found"}
    assert Calibration.objects.get(pk=theirs.pk).name == "Theirs"
    assert anon.get("/api/calibration").status_code == 401
    assert anon.post("/api/calibration/auto").status_code == 401
    assert api.get("/api/calibration/not-a-uuid").status_code == 404
