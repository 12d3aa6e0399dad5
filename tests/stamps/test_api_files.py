"""File Management: draft, audio and image uploads, and serving files (owner only, Range, ETag)."""

import hashlib
import io
import subprocess

import pytest
from PIL import Image

from core.storage import object_storage
from stamps.models import Stamp, StampFile
from tests.media import image_bytes
from tests.stamps.conftest import upload_audio, upload_image

pytestmark = pytest.mark.django_db


def test_create_draft_matches_the_workflow_example(api, user):
    response = api.post(
        "/api/v1/security/vst/draft",
        {"title": "My First VoiceStamp", "description": "Testing the API workflow"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"success", "vst_id", "status"}
    assert body["success"] is True and body["status"] == "draft" and isinstance(body["vst_id"], int)
    stamp = Stamp.objects.get(pk=body["vst_id"])
    assert (stamp.owner, stamp.title, stamp.description) == (user, "My First VoiceStamp", "Testing the API workflow")


def test_draft_without_a_title_and_bad_drafts(api, anon):
    untitled = api.post("/api/v1/security/vst/draft", {}, format="json")
    assert untitled.status_code == 201
    assert Stamp.objects.get(pk=untitled.json()["vst_id"]).title == "Untitled VoiceStamp"
    assert api.post("/api/v1/security/vst/draft", {"title": ["x"]}, format="json").status_code == 422
    assert api.post("/api/v1/security/vst/draft", data="[", content_type="application/json").status_code == 400
    assert anon.post("/api/v1/security/vst/draft", {}, format="json").status_code == 401


@pytest.mark.parametrize(
    "fmt, content_type",
    [
        ("mp3", "audio/mpeg"),
        ("wav", "audio/wav"),
        ("ogg", "audio/ogg"),
        ("m4a", "audio/mp4"),
        ("flac", "audio/flac"),
        ("webm", "audio/webm"),
    ],
)
def test_audio_upload_is_probed_stored_and_measured(api, stamp, stamp_media, fmt, content_type):
    # The client's name and declared duration are not trusted: the stored name is random, the duration measured.
    response = upload_audio(api, stamp.pk, stamp_media[fmt], name="../../etc/recording.mp3", duration=30.5, format=fmt)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"success", "audio_url"}
    item = StampFile.objects.get(stamp=stamp, role="audio")
    assert body["audio_url"] == f"http://testserver/api/v1/security/vst/{stamp.pk}/audio/{item.filename}"
    assert "recording" not in item.filename and item.key.startswith(f"stamps/{stamp.pk}/audio/")
    assert item.content_type == content_type
    assert item.duration == pytest.approx(2.0, abs=0.1)
    original = stamp_media[fmt].read_bytes()
    with object_storage.open(item.key) as stored:
        assert stored.read() == original
    assert item.sha256 == hashlib.sha256(original).hexdigest() and item.size == len(original)
    detail = api.get(f"/api/v1/voicestamps/{stamp.pk}").json()["data"]
    assert detail["draft_audio_path"] == f"/api/v1/security/vst/{stamp.pk}/audio/{item.filename}"


def test_audio_serving_supports_range_etag_and_content_type(api, stamp, stamp_media):
    upload_audio(api, stamp.pk, stamp_media["mp3"])
    item = StampFile.objects.get(stamp=stamp, role="audio")
    original = stamp_media["mp3"].read_bytes()
    path = f"/api/v1/security/vst/{stamp.pk}/audio/{item.filename}"

    full = api.get(path)
    assert full.status_code == 200
    assert full["Content-Type"] == "audio/mpeg" and full["Accept-Ranges"] == "bytes"
    assert b"".join(full.streaming_content) == original
    assert full["ETag"] == f'"{item.sha256}"'

    partial = api.get(path, HTTP_RANGE="bytes=100-199")
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 100-199/{len(original)}"
    assert b"".join(partial.streaming_content) == original[100:200]
    tail = api.get(path, HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == original[-50:]
    assert api.get(path, HTTP_RANGE=f"bytes={len(original) + 10}-").status_code == 416

    cached = api.get(path, HTTP_IF_NONE_MATCH=full["ETag"])
    assert cached.status_code == 304

    same_via_files = api.get(f"/api/v1/files/{item.filename}")
    assert same_via_files.status_code == 200 and b"".join(same_via_files.streaming_content) == original


def test_files_are_served_to_their_owner_only(api, client_for, other_user, stamp, stamp_media, anon):
    upload_audio(api, stamp.pk, stamp_media["mp3"])
    upload_image(api, stamp.pk)
    audio = StampFile.objects.get(stamp=stamp, role="audio")
    image = StampFile.objects.get(stamp=stamp, role="image")
    other = client_for(other_user)
    for path in [
        f"/api/v1/security/vst/{stamp.pk}/audio/{audio.filename}",
        f"/api/v1/security/vst/{stamp.pk}/image/{image.filename}",
        f"/api/v1/files/{audio.filename}",
        f"/api/v1/files/{image.filename}",
    ]:
        assert other.get(path).status_code == 404, path
        assert anon.get(path).status_code == 401, path
        assert api.get(path).status_code == 200, path
    # A name of another role, or a made-up name, is not found either.
    assert api.get(f"/api/v1/security/vst/{stamp.pk}/audio/{image.filename}").status_code == 404
    assert api.get(f"/api/v1/security/vst/{stamp.pk}/image/{audio.filename}").status_code == 404
    missing = api.get(f"/api/v1/files/{'0' * 32}.mp3")
    assert missing.status_code == 404 and missing.json()["error"] == "resource_not_found"
    assert api.get("/api/v1/files/..%2F..%2Fsecret_key").status_code == 404


def test_mislabelled_corrupt_and_foreign_audio_is_refused(api, client_for, other_user, stamp, stamp_media, tmp_path):
    mislabelled = upload_audio(api, stamp.pk, stamp_media["wav"], name="song.mp3", format="mp3")
    assert mislabelled.status_code == 422
    assert mislabelled.json()["errors"] == {"format": ["The file is wav audio, not mp3."]}

    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3" + b"\x00garbage" * 500)
    response = upload_audio(api, stamp.pk, corrupt)
    assert response.status_code == 422 and "audio_file" in response.json()["errors"]

    text = tmp_path / "notes.wav"
    text.write_text("just some text pretending to be audio")
    assert upload_audio(api, stamp.pk, text).status_code == 422

    video = tmp_path / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=64x64:rate=5",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=1",
            "-shortest",
            str(video),
        ],
        check=True,
        timeout=60,
    )
    refused = upload_audio(api, stamp.pk, video)
    assert refused.status_code == 422 and "audio_file" in refused.json()["errors"]

    assert api.post(f"/api/v1/security/vst/{stamp.pk}/audio", {}, format="multipart").status_code == 422
    assert upload_audio(api, stamp.pk, stamp_media["mp3"], duration="long").status_code == 422
    assert upload_audio(api, stamp.pk, stamp_media["mp3"], format="exe").status_code == 422
    theirs = client_for(other_user)
    assert upload_audio(theirs, stamp.pk, stamp_media["mp3"]).status_code == 404
    json_body = api.post(f"/api/v1/security/vst/{stamp.pk}/audio", {"audio_file": "x"}, format="json")
    assert json_body.status_code == 415

    assert not StampFile.objects.filter(stamp=stamp).exists()
    assert object_storage.list(f"stamps/{stamp.pk}") == []


def test_oversized_audio_is_refused_before_storing(api, stamp, stamp_media, settings):
    settings.STAMPS_MAX_AUDIO_BYTES = 1000
    response = upload_audio(api, stamp.pk, stamp_media["wav"])
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert "audio_file" in response.json()["errors"]
    assert object_storage.list(f"stamps/{stamp.pk}") == []
    # Just over the cap but under the multipart allowance: caught after parsing, same answer.
    settings.STAMPS_MAX_AUDIO_BYTES = stamp_media["wav"].stat().st_size - 1
    assert upload_audio(api, stamp.pk, stamp_media["wav"]).status_code == 413
    assert object_storage.list(f"stamps/{stamp.pk}") == []


def test_new_audio_replaces_the_old_one(api, stamp, stamp_media, django_capture_on_commit_callbacks):
    upload_audio(api, stamp.pk, stamp_media["mp3"])
    first = StampFile.objects.get(stamp=stamp, role="audio")
    upload_audio(api, stamp.pk, stamp_media["flac"])
    second = StampFile.objects.get(stamp=stamp, role="audio")
    assert second.key != first.key and second.content_type == "audio/flac"
    from core.models import Job

    cleanup = Job.objects.filter(kind="storage.cleanup").latest("created_at")
    assert cleanup.payload["keys"] == [first.key]


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (200, 100), (10, 200, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}
    exif[0x010F] = "SpyCam"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_image_upload_is_cleaned_of_metadata(api, stamp):
    original = _jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    response = upload_image(api, stamp.pk, original, name="holiday.jpg")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"], body["position"]) == (200, 100, 0)
    item = StampFile.objects.get(stamp=stamp, role="image")
    assert body["image_url"].endswith(f"/api/v1/security/vst/{stamp.pk}/image/{item.filename}")
    with object_storage.open(item.key) as handle:
        stored = handle.read()
    cleaned = Image.open(io.BytesIO(stored))
    assert cleaned.format == "JPEG" and cleaned.size == (200, 100)
    assert not cleaned.getexif().get_ifd(0x8825) and 0x010F not in cleaned.getexif()
    served = api.get(f"/api/v1/security/vst/{stamp.pk}/image/{item.filename}")
    assert served["Content-Type"] == "image/jpeg" and b"".join(served.streaming_content) == stored


def test_images_are_ordered_by_position_and_replaced_in_place(api, stamp):
    assert upload_image(api, stamp.pk, image_bytes(fmt="PNG")).json()["position"] == 0
    assert upload_image(api, stamp.pk, image_bytes(fmt="WEBP"), name="b.webp").json()["position"] == 1
    replaced = upload_image(api, stamp.pk, image_bytes(64, 48, fmt="JPEG"), name="c.jpg", position=0)
    assert replaced.status_code == 201 and replaced.json()["position"] == 0
    images = list(StampFile.objects.filter(stamp=stamp, role="image").order_by("position"))
    assert [(i.position, i.content_type, i.width) for i in images] == [(0, "image/jpeg", 64), (1, "image/webp", 320)]
    detail = api.get(f"/api/v1/voicestamps/{stamp.pk}").json()["data"]
    assert detail["draft_image_path"] == f"/api/v1/security/vst/{stamp.pk}/image/{images[0].filename}"


def test_bad_images_are_refused(api, stamp, settings, tmp_path):
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert upload_image(api, stamp.pk, gif.getvalue(), name="a.png").status_code == 422
    assert upload_image(api, stamp.pk, b"\x89PNG\r\n\x1a\n" + b"broken" * 50).status_code == 422
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, format="PNG")
    response = upload_image(api, stamp.pk, bomb.getvalue(), name="bomb.png")
    assert response.status_code == 422 and "too large" in response.json()["errors"]["image_file"][0]
    assert upload_image(api, stamp.pk, position=-1).status_code == 422
    assert upload_image(api, stamp.pk, position="first").status_code == 422
    settings.STAMPS_MAX_IMAGE_BYTES = 100
    assert upload_image(api, stamp.pk).status_code == 413
    settings.STAMPS_MAX_IMAGE_BYTES = 20 * 1024 * 1024
    settings.STAMPS_MAX_IMAGES = 1
    assert upload_image(api, stamp.pk).status_code == 201
    too_many = upload_image(api, stamp.pk)
    assert too_many.status_code == 422 and "image_file" in too_many.json()["errors"]
    assert StampFile.objects.filter(stamp=stamp).count() == 1
    assert len(object_storage.list(f"stamps/{stamp.pk}")) == 1


def test_uploads_are_refused_while_packaging(api, stamp, stamp_media):
    Stamp.objects.filter(pk=stamp.pk).update(conversion_status="processing")
    response = upload_audio(api, stamp.pk, stamp_media["mp3"])
    assert response.status_code == 409 and response.json()["error"] == "conflict"
    assert upload_image(api, stamp.pk).status_code == 409
    assert object_storage.list(f"stamps/{stamp.pk}") == []


def test_a_failed_row_write_removes_the_stored_object(api, stamp, stamp_media, monkeypatch):
    from stamps import services

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "start_auto_thumbnail", broken)
    response = upload_audio(api, stamp.pk, stamp_media["mp3"])
    assert response.status_code == 500 and response.json()["error"] == "server_error"
    assert not StampFile.objects.filter(stamp=stamp).exists()
    assert object_storage.list(f"stamps/{stamp.pk}") == []


def test_a_share_viewer_gets_the_shared_stamps_files_only(api, anon, stamp, make_stamp, stamp_media):
    upload_audio(api, stamp.pk, stamp_media["mp3"])
    upload_image(api, stamp.pk)
    other = make_stamp(title="Not shared")
    upload_image(api, other.pk)
    audio = StampFile.objects.get(stamp=stamp, role="audio")
    image = StampFile.objects.get(stamp=stamp, role="image")
    unshared = StampFile.objects.get(stamp=other, role="image")
    share = api.post(f"/api/v1/voicestamps/{stamp.pk}/share", {"privacy": "public"}, format="json")
    assert share.status_code in (200, 201), share.content
    code = share.json()["share_code"]

    listed = api.get(f"/api/v1/voicestamps/{stamp.pk}?include_sharing=true").json()["shares"]
    assert [item["share_code"] for item in listed] == [code]

    heard = anon.get(f"/api/v1/security/vst/{stamp.pk}/audio/{audio.filename}?share={code}", HTTP_RANGE="bytes=0-3")
    assert heard.status_code == 206 and b"".join(heard.streaming_content) == stamp_media["mp3"].read_bytes()[:4]
    assert anon.get(f"/api/v1/security/vst/{stamp.pk}/image/{image.filename}?share={code}").status_code == 200
    assert anon.get(f"/api/v1/files/{image.filename}?share={code}").status_code == 200
    # The share opens its own stamp's files, nothing else; a wrong code opens nothing.
    assert anon.get(f"/api/v1/files/{unshared.filename}?share={code}").status_code == 404
    assert anon.get(f"/api/v1/security/vst/{other.pk}/image/{image.filename}?share={code}").status_code == 404
    assert anon.get(f"/api/v1/files/{image.filename}?share=NOPE123").status_code == 404
    assert anon.get(f"/api/v1/files/{image.filename}").status_code == 401


def test_a_draft_repeated_with_its_idempotency_key_is_created_once(api):
    body = {"title": "Only one"}
    first = api.post("/api/v1/security/vst/draft", body, format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    second = api.post("/api/v1/security/vst/draft", body, format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Stamp.objects.filter(title="Only one").count() == 1
