"""Package & Conversion, the synchronous part: manifest, drawings and texts."""

import pytest

from stamps.models import Stamp
from tests.stamps.conftest import upload_audio, upload_image

pytestmark = pytest.mark.django_db


def test_manifest_describes_the_stamp_and_its_files(api, stamp, stamp_media):
    upload_audio(api, stamp.pk, stamp_media["mp3"])
    upload_image(api, stamp.pk)
    response = api.get(f"/api/v1/security/vst/{stamp.pk}/manifest")
    assert response.status_code == 200
    manifest = response.json()["manifest"]
    assert manifest["format"] == "vst" and manifest["format_version"] == "1.0"
    assert manifest["stamp"]["id"] == stamp.pk and manifest["stamp"]["title"] == "My First VoiceStamp"
    assert manifest["duration"] == pytest.approx(2.0, abs=0.1)
    roles = {item["role"]: item for item in manifest["files"]}
    assert set(roles) == {"audio", "image"}
    assert roles["audio"]["content_type"] == "audio/mpeg" and len(roles["audio"]["sha256"]) == 64
    assert roles["image"]["width"] == 320 and roles["image"]["height"] == 240
    for key in ("voice_tags", "timestamps", "drawings", "texts", "translations", "thumbnails"):
        assert manifest[key] == []
    assert manifest["transcription"] is None and manifest["metadata"] == {}


def test_update_manifest(api, stamp, stamp_media):
    upload_audio(api, stamp.pk, stamp_media["wav"])
    version = api.get(f"/api/v1/security/vst/{stamp.pk}/manifest").json()["manifest"]["manifest_version"]
    response = api.put(
        f"/api/v1/security/vst/{stamp.pk}/manifest",
        {
            "voice_tags": [{"timestamp": 1.0, "x": 10, "y": 20, "note": "here"}],
            "metadata": {"mood": "happy"},
            "timestamps": [{"time": 0.5, "label": "intro"}],
            "manifest_version": version,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    manifest = response.json()["manifest"]
    assert manifest["manifest_version"] == version + 1
    assert manifest["voice_tags"] == [{"timestamp": 1.0, "x": 10.0, "y": 20.0, "note": "here"}]
    assert manifest["timestamps"] == [{"time": 0.5, "label": "intro"}]
    assert manifest["metadata"] == {"mood": "happy"}
    stale = api.put(
        f"/api/v1/security/vst/{stamp.pk}/manifest", {"metadata": {}, "manifest_version": version}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    late = api.put(f"/api/v1/security/vst/{stamp.pk}/manifest", {"timestamps": [{"time": 9}]}, format="json")
    assert late.status_code == 422 and "timestamps.0.time" in late.json()["errors"]
    assert api.put(f"/api/v1/security/vst/{stamp.pk}/manifest", {}, format="json").status_code == 422
    assert api.put(f"/api/v1/security/vst/{stamp.pk}/manifest", {"timestamps": "x"}, format="json").status_code == 422


def test_drawings(api, stamp):
    path = f"/api/v1/security/vst/{stamp.pk}/drawings"
    strokes = [{"points": [[1, 1], [50, 60]], "color": "#ff0000", "width": 3}]
    no_frame = api.post(path, {"drawing_data": strokes}, format="json")
    assert no_frame.status_code == 422 and "coordinates" in no_frame.json()["errors"]
    response = api.post(path, {"drawing_data": strokes, "coordinates": {"width": 100, "height": 100}}, format="json")
    assert response.status_code == 201, response.content
    drawing = response.json()["drawing"]
    assert drawing["strokes"][0]["points"] == [[1.0, 1.0], [50.0, 60.0]]
    assert drawing["strokes"][0]["tool"] == "pen"
    upload_image(api, stamp.pk)  # 320 x 240: now the image is the frame
    framed = api.post(path, {"drawing_data": [{"points": [[300, 200]]}]}, format="json")
    assert framed.status_code == 201 and framed.json()["drawing"]["coordinates"] == {"width": 320, "height": 240}
    outside = api.post(path, {"drawing_data": [{"points": [[400, 10]]}]}, format="json")
    assert outside.status_code == 422 and "drawing_data.0.points" in outside.json()["errors"]
    for bad in [
        {},
        {"drawing_data": []},
        {"drawing_data": [{"points": [[1]]}]},
        {"drawing_data": [{"points": [[1, 2]], "color": "red"}]},
        {"drawing_data": [{"points": [[-1, 2]]}]},
        {"drawing_data": "nope"},
    ]:
        assert api.post(path, bad, format="json").status_code == 422, bad
    manifest = api.get(f"/api/v1/security/vst/{stamp.pk}/manifest").json()["manifest"]
    assert len(manifest["drawings"]) == 2


def test_upload_text(api, stamp):
    path = f"/api/v1/security/vst/{stamp.pk}/upload-txt"
    note = api.post(path, {"text_content": "Remember the milk", "type": "note"}, format="json")
    assert note.status_code == 201
    assert note.json()["text"]["type"] == "note" and note.json()["text"]["text_content"] == "Remember the milk"
    transcript = api.post(path, {"text_content": "hello there", "type": "transcription"}, format="json")
    assert transcript.status_code == 201
    manifest = api.get(f"/api/v1/security/vst/{stamp.pk}/manifest").json()["manifest"]
    assert [t["type"] for t in manifest["texts"]] == ["note", "transcription"]
    assert manifest["transcription"]["text"] == "hello there" and manifest["transcription"]["source"] == "upload"
    for bad in [{}, {"text_content": "   "}, {"text_content": "x", "type": "poem"}, {"text_content": ["x"]}]:
        assert api.post(path, bad, format="json").status_code == 422, bad


def test_foreign_stamps_are_not_found_for_every_manifest_endpoint(client_for, other_user, stamp):
    theirs = client_for(other_user)
    base = f"/api/v1/security/vst/{stamp.pk}"
    for method, path, body in [
        ("get", "/manifest", None),
        ("put", "/manifest", {"metadata": {}}),
        ("post", "/drawings", {"drawing_data": [{"points": [[1, 1]]}], "coordinates": {"width": 5, "height": 5}}),
        ("post", "/upload-txt", {"text_content": "x"}),
        ("post", "/complete-package", {}),
        ("post", "/convert", {}),
        ("get", "/convert", None),
        ("get", "/package", None),
        ("get", "/download", None),
        ("get", "/thumbnail", None),
        ("post", "/thumbnail/generate", {}),
        ("post", "/thumbnail/regenerate", {}),
    ]:
        response = (
            getattr(theirs, method)(base + path, body, format="json")
            if body is not None
            else getattr(theirs, method)(base + path)
        )
        assert response.status_code == 404, path
        assert response.json() == {"error": "resource_not_found", "message": "VoiceStamp not found"}, path
    stamp.refresh_from_db()
    assert stamp.manifest_version == 1 and stamp.conversion_status == Stamp.Status.DRAFT


JSON_ENDPOINTS = [
    ("post", "/api/v1/voicestamps"),
    ("put", "/api/v1/voicestamps/{id}"),
    ("patch", "/api/v1/voicestamps/{id}"),
    ("post", "/api/v1/voicestamps/{id}/transcribe"),
    ("post", "/api/v1/security/vst/draft"),
    ("put", "/api/v1/security/vst/{id}/manifest"),
    ("post", "/api/v1/security/vst/{id}/drawings"),
    ("post", "/api/v1/security/vst/{id}/upload-txt"),
    ("post", "/api/v1/security/vst/{id}/complete-package"),
    ("post", "/api/v1/security/vst/{id}/thumbnail/generate"),
    ("post", "/api/v1/security/vst/{id}/thumbnail/regenerate"),
    ("post", "/api/v1/security/ai/translate"),
]


@pytest.mark.parametrize("method, template", JSON_ENDPOINTS)
def test_every_json_endpoint_answers_bad_bodies_in_the_stamps_shape(api, stamp, method, template):
    path = template.format(id=stamp.pk)
    call = getattr(api, method)
    malformed = call(path, data='{"title": ', content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["error"] == "bad_request", path
    not_an_object = call(path, data="[1, 2, 3]", content_type="application/json")
    assert not_an_object.status_code == 422, path
    assert not_an_object.json()["error"] == "validation_failed", path
    huge = call(path, data='{"text_content": "' + "x" * (3 * 1024 * 1024) + '"}', content_type="application/json")
    assert huge.status_code == 413 and huge.json()["error"] == "payload_too_large", path
    stamp.refresh_from_db()
    assert stamp.manifest_version == 1 and stamp.conversion_status == Stamp.Status.DRAFT


def test_complete_package_refuses_times_past_the_end_of_the_final_audio_naming_each(api, stamp, stamp_media):
    """Tags, timestamps and drawings set before the audio was uploaded (or replaced by a shorter one)
    are checked against the audio that ships."""
    vst_id = stamp.pk
    tags = [{"timestamp": 1.0, "note": "fits"}, {"timestamp": 40.0, "note": "too late"}]
    assert (
        api.put(
            f"/api/v1/security/vst/{vst_id}/manifest",
            {"voice_tags": tags, "timestamps": [{"time": 0.5, "label": "intro"}, {"time": 30, "label": "end"}]},
            format="json",
        ).status_code
        == 200
    )
    drawing = api.post(
        f"/api/v1/security/vst/{vst_id}/drawings",
        {"drawing_data": [{"points": [[1, 1], [2, 2]]}], "coordinates": {"width": 10, "height": 10}, "timestamp": 25.0},
        format="json",
    )
    assert drawing.status_code == 201, drawing.content
    assert upload_audio(api, vst_id, stamp_media["wav"]).status_code == 201  # 2 seconds

    response = api.post(f"/api/v1/security/vst/{vst_id}/complete-package", {}, format="json")
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert set(errors) == {"voice_tags.1.timestamp", "timestamps.1.time", "drawings.0.timestamp"}
    assert "past the end of the audio" in errors["drawings.0.timestamp"][0]
    assert api.post(f"/api/v1/security/vst/{vst_id}/convert").status_code == 422
    assert Stamp.objects.get(pk=vst_id).conversion_status == "draft"
