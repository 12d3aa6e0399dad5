"""Fixtures for the VoiceStamps tests: stamps, generated audio and images, upload helpers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.media import image_bytes, tone, transcode


@pytest.fixture(autouse=True)
def _fresh_storage(request):
    """Each in-process test gets an empty storage root; worker tests share the worker's storage
    and compare against what was there before."""
    if request.node.get_closest_marker("worker") is None:
        request.getfixturevalue("local_storage")


@pytest.fixture(scope="session")
def stamp_media(media_dir):
    """Short sample files in each accepted format, made with ffmpeg at test time."""
    wav = tone(media_dir / "tone.wav", seconds=2.0)
    return {
        "wav": wav,
        "mp3": transcode(wav, media_dir / "tone.mp3", "-c:a", "libmp3lame", "-b:a", "64k"),
        "ogg": transcode(wav, media_dir / "tone.ogg", "-c:a", "libopus"),
        "m4a": transcode(wav, media_dir / "tone.m4a", "-c:a", "aac"),
        "flac": transcode(wav, media_dir / "tone.flac"),
        "webm": transcode(wav, media_dir / "tone.webm", "-c:a", "libopus"),
    }


@pytest.fixture
def make_stamp(user):
    from stamps import services

    def make(owner=None, **fields):
        fields.setdefault("title", "A stamp")
        return services.create_stamp(owner=owner or user, **fields)

    return make


@pytest.fixture
def stamp(make_stamp):
    return make_stamp(title="My First VoiceStamp", description="Testing the API workflow")


def upload_audio(client, stamp_id, path: Path, name: str | None = None, **fields):
    with open(path, "rb") as handle:
        data = io.BytesIO(handle.read())
    data.name = name or Path(path).name
    return client.post(f"/api/v1/security/vst/{stamp_id}/audio", {"audio_file": data, **fields}, format="multipart")


def upload_image(client, stamp_id, content: bytes | None = None, name: str = "picture.png", **fields):
    data = io.BytesIO(content if content is not None else image_bytes())
    data.name = name
    return client.post(f"/api/v1/security/vst/{stamp_id}/image", {"image_file": data, **fields}, format="multipart")
