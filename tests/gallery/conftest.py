"""Gallery fixtures: MP3 samples made with espeak-ng and ffmpeg, admin clients, stored voices."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.media import speech_wav, tone, transcode

GENEROUS_RATES = {
    scope: "100000/minute"
    for scope in ("gallery_read", "gallery_create", "gallery_update", "gallery_delete", "gallery_upload", "gallery_tts")
}


@pytest.fixture(autouse=True)
def generous_rates(settings):
    """Limits that no functional test reaches; tests of the limits set their own."""
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **GENEROUS_RATES}


@pytest.fixture(scope="session")
def mp3_path(media_dir) -> Path:
    wav = speech_wav(media_dir / "gallery-sample.wav", text="Hello from the voice gallery.")
    return transcode(wav, media_dir / "gallery-sample.mp3", "-c:a", "libmp3lame", "-q:a", "7")


@pytest.fixture(scope="session")
def mp3_bytes(mp3_path) -> bytes:
    return mp3_path.read_bytes()


@pytest.fixture(scope="session")
def wav_bytes(media_dir) -> bytes:
    return tone(media_dir / "gallery-tone.wav", seconds=0.5).read_bytes()


@pytest.fixture
def admin_user(staff_user):
    return staff_user


@pytest.fixture
def admin_api(client_for, admin_user):
    return client_for(admin_user)


@pytest.fixture
def stored_sample(mp3_bytes):
    """Store an MP3 under voice-samples/ in the current storage; returns its object URL."""
    from core.storage import new_key, object_storage

    def store(data: bytes = mp3_bytes, prefix: str = "voice-samples") -> str:
        key = new_key(prefix, ".mp3")
        object_storage.put_bytes(key, data, "audio/mpeg")
        return object_storage.object_url(key)

    return store


@pytest.fixture
def make_voice(admin_user, stored_sample):
    """A voice created through the service, with one stored sample."""
    from gallery import services

    def make(name=None, *, order_number=1, is_published=True, characteristic="Female", **engine):
        return services.create_voice(
            actor=admin_user,
            name=name or f"Voice {uuid.uuid4().hex[:6]}",
            voice_characteristic=characteristic,
            order_number=order_number,
            is_published=is_published,
            sample_urls=[stored_sample()],
            **engine,
        )

    return make


def put_to_upload_url(upload_url: str, body: bytes, content_type: str = "audio/mpeg", django_client=None):
    """PUT the file the way the spec's client does: to S3 with a plain HTTP client, or to the
    local upload slot through the Django test client (the embedded default's twin of S3)."""
    if django_client is None:
        return requests.put(upload_url, data=body, headers={"Content-Type": content_type}, timeout=30)
    path = urlsplit(upload_url).path
    return django_client.generic("PUT", path, body, content_type=content_type)


def request_upload_url(client, size: int, file_name: str = "rachel-sample-1.mp3", file_type: str = "audio/mpeg"):
    return client.post(
        "/api/v1/voice-gallery/upload-url",
        {"fileName": file_name, "fileType": file_type, "fileSize": size},
        format="json",
    )


@pytest.fixture
def s3_worker(s3_storage, start_worker):
    """A worker storing to S3 (on a queue of its own, see start_worker)."""
    return start_worker(s3_storage["env"])


def grant_curation(user):
    """Staff curate voices with the gallery app's model permissions."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="gallery"))
    return user
