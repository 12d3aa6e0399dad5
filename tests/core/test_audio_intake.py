"""Audio intake caps duration as well as bytes, everywhere audio enters (issue 12).

The attack: a 7 MB FLAC holding ten hours of silence. Every intake probes it (header and packets)
before storing anything and answers its API's 4xx; a header that understates the length is caught
by counting packets, and every decode stops at AUDIO_MAX_DECODE_SECONDS whatever the file says.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.storage import object_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def ten_hour_flac(media_dir) -> Path:
    path = media_dir / "ten-hours-of-silence.flac"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=8000:cl=mono",
            "-t",
            "36000",
            "-c:a",
            "flac",
            "-sample_fmt",
            "s16",
            str(path),
        ],
        check=True,
        timeout=120,
    )
    assert path.stat().st_size < 8 * 1024 * 1024
    return path


@pytest.fixture(scope="session")
def lying_flac(media_dir) -> Path:
    """Two minutes of tone whose STREAMINFO header claims one second."""
    honest = media_dir / "two-minutes.flac"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:r=8000",
            "-t",
            "120",
            "-c:a",
            "flac",
            str(honest),
        ],
        check=True,
        timeout=60,
    )
    data = bytearray(honest.read_bytes())
    offset = 8 + 13  # 'fLaC', the block header, then 13 bytes into STREAMINFO: 36 bits of total samples
    field = int.from_bytes(data[offset : offset + 5], "big")
    data[offset : offset + 5] = ((field & ~((1 << 36) - 1)) | 8000).to_bytes(5, "big")
    path = media_dir / "lying.flac"
    path.write_bytes(bytes(data))
    header = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(header.stdout) == pytest.approx(1.0)  # the lie ffprobe's header reading believes
    return path


def _upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def _empty_storage(local_storage):
    return local_storage


def test_stamp_audio_of_ten_hours_is_422_and_nothing_is_stored(api, ten_hour_flac):
    from stamps.models import StampFile

    draft = api.post("/api/v1/security/vst/draft", {"title": "Long"}, format="json").json()
    response = api.post(
        f"/api/v1/security/vst/{draft['vst_id']}/audio", {"audio_file": _upload(ten_hour_flac)}, format="multipart"
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == "validation_failed" and "36000 seconds" in body["errors"]["audio_file"][0]
    assert not StampFile.objects.exists() and object_storage.list("stamps") == []


def test_a_header_that_understates_the_length_is_caught(api, lying_flac, settings):
    settings.STAMPS_MAX_AUDIO_SECONDS = 60
    draft = api.post("/api/v1/security/vst/draft", {"title": "Liar"}, format="json").json()
    response = api.post(
        f"/api/v1/security/vst/{draft['vst_id']}/audio", {"audio_file": _upload(lying_flac)}, format="multipart"
    )
    assert response.status_code == 422, response.content
    assert "120 seconds" in response.json()["errors"]["audio_file"][0]


def test_stamp_audio_within_the_cap_is_accepted_with_its_measured_duration(api, lying_flac):
    draft = api.post("/api/v1/security/vst/draft", {"title": "Fine"}, format="json").json()
    response = api.post(
        f"/api/v1/security/vst/{draft['vst_id']}/audio", {"audio_file": _upload(lying_flac)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    from stamps.models import StampFile

    assert StampFile.objects.get().duration == pytest.approx(120, abs=0.5)


def test_every_decode_stops_at_the_global_cap(lying_flac, tmp_path, settings):
    from core.media import audio

    settings.AUDIO_MAX_DECODE_SECONDS = 5
    out = audio.to_wav(lying_flac, tmp_path / "out.wav")
    assert audio.probe(out).duration == pytest.approx(5, abs=0.1)
    assert audio.decode_pcm(lying_flac, sample_rate=8000).size == pytest.approx(5 * 8000, abs=100)
    assert sum(block.size for block in audio.stream_pcm(lying_flac, sample_rate=8000)) == pytest.approx(40000, abs=100)


def test_a_reply_recording_of_ten_hours_is_422(api, anon, user, ten_hour_flac, settings):
    from stamps import services
    from stamps.sharing.models import Reply

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "stamps_share_reply": "1000/minute"}
    stamp = services.create_stamp(owner=user, title="Share me")
    token = api.post(f"/api/v1/voicestamps/{stamp.pk}/share", {}, format="json").json()["reply_token"]
    response = anon.post(
        f"/api/v1/security/vst/reply/{token}", {"audio_file": _upload(ten_hour_flac)}, format="multipart"
    )
    assert response.status_code == 422, response.content
    assert "audio_file" in response.json()["errors"]
    assert not Reply.objects.exists() and object_storage.list("stamps") == []


def test_a_recording_of_ten_hours_is_422_in_the_respeecher_format(api, ten_hour_flac):
    from conversions.models import Recording

    project = api.post("/api/projects", {"name": "Long takes", "models": {}}, format="json").json()
    folder = api.post("/api/folders", {"name": "Takes", "project_id": project["id"]}, format="json").json()
    response = api.post(
        "/api/recordings",
        {"data": _upload(ten_hour_flac), "parent_folder_id": folder["id"], "microphone": "file"},
        format="multipart",
    )
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert detail[0]["loc"][-1] == "data" and "36000 seconds" in detail[0]["msg"]
    assert not Recording.objects.exists() and object_storage.list("conversions") == []


def test_a_calibration_of_ten_hours_is_400(api, ten_hour_flac):
    from conversions.models import Calibration

    response = api.post("/api/calibration", {"name": "Me", "data": _upload(ten_hour_flac)}, format="multipart")
    assert response.status_code == 400, response.content
    assert "seconds" in response.json()["detail"]
    assert not Calibration.objects.exists() and object_storage.list("calibrations") == []


@pytest.fixture
def long_mp3(media_dir) -> Path:
    path = media_dir / "thirty-seconds.mp3"
    if not path.exists():
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=f=440:r=16000",
                "-t",
                "30",
                "-c:a",
                "libmp3lame",
                "-b:a",
                "32k",
                str(path),
            ],
            check=True,
            timeout=60,
        )
    return path


def test_a_gallery_sample_longer_than_the_cap_is_400_uploaded_or_by_url(staff_user, long_mp3, settings):
    from gallery.models import Voice
    from tests.conftest import bearer_client

    settings.GALLERY_SAMPLE_MAX_SECONDS = 10
    admin = bearer_client(staff_user)
    uploaded = admin.post(
        "/api/v1/voice-gallery",
        {"name": "Long", "voiceCharacteristic": "Male", "orderNumber": "1", "sampleFile[0]": _upload(long_mp3)},
        format="multipart",
    )
    assert uploaded.status_code == 400, uploaded.content
    assert (
        uploaded.json()["error"]["code"] == "VALIDATION_ERROR" and "30 seconds" in uploaded.json()["error"]["message"]
    )

    slot = admin.post(
        "/api/v1/voice-gallery/upload-url",
        {"fileName": "long.mp3", "fileType": "audio/mpeg", "fileSize": long_mp3.stat().st_size},
        format="json",
    )
    assert slot.status_code == 200, slot.content
    data = slot.json()["data"]
    put = admin.generic(
        "PUT", data["uploadUrl"].removeprefix("http://testserver"), long_mp3.read_bytes(), content_type="audio/mpeg"
    )
    assert put.status_code == 200
    by_url = admin.post(
        "/api/v1/voice-gallery",
        {"name": "Long", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": [data["fileUrl"]]},
        format="json",
    )
    assert by_url.status_code == 400 and by_url.json()["error"]["code"] == "INVALID_S3_URL", by_url.content
    assert not Voice.objects.exists()


def test_partner_deliveries_and_demos_are_capped(db, ten_hour_flac):
    from core.errors import DomainError

    from partners.talents import services
    from partners.models import Demo, Talent

    talent = Talent.objects.create(first_name="Long", last_name="Talker", gender="female")
    with pytest.raises(DomainError, match="36000 seconds"):
        services.add_demo(talent, io.BytesIO(ten_hour_flac.read_bytes()), title="Ten hours", tags=[])
    assert not Demo.objects.exists() and object_storage.list("partners") == []


@pytest.fixture(scope="session")
def lying_mp3(media_dir) -> Path:
    """A VBR trick: two seconds at 320 kb/s, then ten minutes at 8 kb/s with no Xing header, so a
    duration estimated from the first frame's bit rate says about half a minute."""
    loud = media_dir / "lying-head.mp3"
    quiet = media_dir / "lying-tail.mp3"
    for path, seconds, rate in ((loud, 2, "320k"), (quiet, 600, "8k")):
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=f=440:r=16000",
                "-t",
                str(seconds),
                "-c:a",
                "libmp3lame",
                "-b:a",
                rate,
                "-write_xing",
                "0",
                "-id3v2_version",
                "0",
                str(path),
            ],
            check=True,
            timeout=120,
        )
    path = media_dir / "lying.mp3"
    path.write_bytes(loud.read_bytes() + quiet.read_bytes())
    header = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(header.stdout) < 60  # what the header-based estimate believes
    return path


def test_a_vbr_mp3_that_understates_its_length_is_caught_at_the_gallery(staff_user, lying_mp3, settings):
    from gallery.models import Voice
    from tests.conftest import bearer_client

    settings.GALLERY_SAMPLE_MAX_SECONDS = 120
    response = bearer_client(staff_user).post(
        "/api/v1/voice-gallery",
        {"name": "Liar", "voiceCharacteristic": "Male", "orderNumber": "1", "sampleFile[0]": _upload(lying_mp3)},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    measured = re.search(r"(\d+) seconds long", response.json()["error"]["message"])
    assert measured and int(measured.group(1)) == pytest.approx(602, abs=5)
    assert not Voice.objects.exists()


def test_the_intake_keeps_what_its_block_recorded_and_removes_what_it_did_not(long_mp3):
    from core.uploads import AudioLimits, audio_intake

    limits = AudioLimits(1024 * 1024, 60, frozenset({"mp3"}))
    with audio_intake(_upload(long_mp3), limits, "intake/kept") as kept:
        assert kept.key.startswith("intake/kept/") and kept.key.endswith(".mp3")
        assert kept.info.duration == pytest.approx(30, abs=0.5)
    assert object_storage.list("intake/kept") == [kept.key]
    assert object_storage.size(kept.key) == long_mp3.stat().st_size == kept.stored.size

    with pytest.raises(RuntimeError), audio_intake(_upload(long_mp3), limits, "intake/failed") as failed:
        assert object_storage.exists(failed.key)
        raise RuntimeError("the row could not be written")
    assert object_storage.list("intake/failed") == []


def test_a_refusal_is_a_domain_error_naming_its_field_and_reason(long_mp3):
    from core.errors import AUDIO_TOO_LARGE, AUDIO_TOO_LONG, AUDIO_UNREADABLE, DomainError
    from core.uploads import AudioLimits, audio_intake

    refusals = {
        AUDIO_TOO_LARGE: AudioLimits(1000, 60, frozenset({"mp3"})),
        AUDIO_TOO_LONG: AudioLimits(1024 * 1024, 10, frozenset({"mp3"})),
        AUDIO_UNREADABLE: AudioLimits(1024 * 1024, 60, frozenset({"wav"})),
    }
    for code, limits in refusals.items():
        with (
            pytest.raises(DomainError) as refused,
            audio_intake(_upload(long_mp3, "take.mp3"), limits, "intake", field="audio_file"),
        ):
            pytest.fail("a refused upload reached the block")
        error = refused.value
        assert error.code == code and error.kind == ("too_large" if code == AUDIO_TOO_LARGE else "invalid")
        assert error.fields == {"audio_file": [error.message]} and error.name == "take.mp3"
    assert object_storage.list("intake") == []
