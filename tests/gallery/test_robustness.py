"""Odd input never gives a 500 or a half-written voice; demo data loads once."""

import io

import pytest

from core.storage import object_storage
from gallery.models import Voice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_storage")]
URL = "/api/v1/voice-gallery"


@pytest.mark.parametrize(
    "body",
    [
        {"name": ["Rachel"], "voiceCharacteristic": "Male", "orderNumber": 1, "samples": ["x"]},
        {"name": "Rachel", "voiceCharacteristic": {"a": 1}, "orderNumber": 1, "samples": ["x"]},
        {"name": "Rachel", "voiceCharacteristic": "Male", "orderNumber": 10**30, "samples": ["x"]},
        {"name": "Rachel", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": "http://x/voice-samples/a.mp3"},
        {"name": "Rachel", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": [{"url": "x"}]},
        {"name": "Rachel", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": [None]},
        {"name": "Rachel", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": [1]},
        {"name": "Rachel", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": ["x" * 5000]},
        {"name": "Rachel", "voiceCharacteristic": "Male", "orderNumber": 1, "isPublished": "perhaps", "samples": ["x"]},
        {"name": "\u0000Rachel", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": ["x"]},
    ],
)
def test_odd_create_bodies_are_400s(admin_api, body):
    response = admin_api.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("VALIDATION_ERROR", "INVALID_S3_URL")
    assert not Voice.objects.exists()


@pytest.mark.parametrize("path", ["x" * 3000, "%00", "..%2F..%2Fetc", "550e8400-e29b-41d4-a716-44665544000g"])
def test_odd_ids_are_404s(anon, admin_api, path):
    assert anon.get(f"{URL}/{path}").status_code == 404
    assert admin_api.put(f"{URL}/{path}", {"name": "Fine"}, format="json").status_code == 404
    assert admin_api.delete(f"{URL}/{path}").status_code == 404


def test_an_oversized_multipart_body_is_refused_before_it_is_read(admin_api, mp3_bytes, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gallery.api import views

    monkeypatch.setattr(views, "MAX_MULTIPART_BYTES", 1000)
    response = admin_api.post(
        URL,
        {
            "name": "Big",
            "voiceCharacteristic": "Male",
            "orderNumber": "1",
            "sampleFile[0]": SimpleUploadedFile("a.mp3", mp3_bytes),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "FILE_TOO_LARGE"
    assert object_storage.list("voice-samples") == []


def test_an_oversized_json_body_is_413_in_the_gallery_envelope(admin_api, settings):
    body = '{"name": "' + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    response = admin_api.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_demo_voices_load_once(make_user):
    from accounts.demo import DEMO_EMAIL
    from gallery import demo

    make_user(email=DEMO_EMAIL, display_name="Demo Admin", is_staff=True)
    out = io.StringIO()
    demo.seed(out)
    demo.seed(out)
    voices = Voice.objects.published()
    assert sorted(voice.name for voice in voices) == ["Adam", "Fiona", "Rachel"]
    assert all(voice.samples.count() == 1 for voice in voices)
    assert "3 voices" in out.getvalue()
