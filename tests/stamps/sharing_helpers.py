"""A stamp with a real recording, image and thumbnail, made through the stamps services
(uploads probed by content, objects in ``object_storage``), for the sharing tests."""

from __future__ import annotations

import importlib
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from stamps import services
from stamps.models import Stamp
from tests.media import image_bytes, tone

IMAGE_SIZE = (320, 240)
# Two drawings on the 320x240 image: a red line along the bottom at 1 s, a green one along the top at 3 s.
DRAWINGS = [
    {"id": "d1", "strokes": [{"points": [[40, 200], [120, 200]], "color": "#ff0000", "width": 8, "tool": "pen"}],
     "coordinates": {"width": 320, "height": 240}, "timestamp": 1.0},
    {"id": "d2", "strokes": [{"points": [[200, 40], [300, 40]], "color": "#00c000", "width": 8, "tool": "pen"}],
     "coordinates": {"width": 320, "height": 240}, "timestamp": 3.0},
]
TRANSCRIPTION = {
    "text": "Gulls over the water. Then the ferry horn.", "language": "en", "source": "asr",
    "segments": [{"start": 0.0, "end": 2.0, "text": " Gulls over the water."},
                 {"start": 2.0, "end": 4.0, "text": " Then the ferry horn."}],
}
TRANSLATIONS = [
    {"id": "t1", "text_id": None, "of": "transcription", "source_language": "en", "target_language": "es",
     "text": "Gaviotas sobre el agua. Luego la bocina del ferry.", "engine": "apertium"},
]
VOICE_TAGS = [
    {"timestamp": 1.5, "x": 80, "y": 60, "note": "The first point"},
    {"timestamp": 3.25, "x": 240, "y": 180, "note": "The second point"},
]


def recording(directory: Path, seconds: float = 4.0) -> Path:
    path = directory / f"tone-{seconds}.wav"
    if not path.exists():
        tone(path, seconds=seconds)
    return path


def stamp_with_media(owner, directory: Path, *, title="Harbour walk", with_media=True, voice_tags=None) -> Stamp:
    stamp = services.create_stamp(owner=owner, title=title, description="Sounds of the harbour",
                                  voice_tags=VOICE_TAGS if voice_tags is None else voice_tags)
    # Drawings, transcript and translations are the outputs of other endpoints; set as they store them.
    Stamp.objects.filter(pk=stamp.pk).update(drawings=DRAWINGS, transcription=TRANSCRIPTION,
                                             translations=TRANSLATIONS)
    if with_media:
        wav = recording(directory)
        services.attach_audio(owner, stamp.pk, SimpleUploadedFile("tone.wav", wav.read_bytes(), "audio/wav"))
        services.attach_image(owner, stamp.pk, SimpleUploadedFile("picture.png", image_bytes(*IMAGE_SIZE),
                                                                  "image/png"))
        services.generate_thumbnail(owner, stamp.pk, style="cover", timestamp=None, force=True)
    stamp.refresh_from_db()
    return stamp


def seed_notification_templates() -> None:
    """Put templates 100-102 back: transactional tests flush the rows the data migration made."""
    from django.apps import apps

    migration = importlib.import_module("stamps.migrations.0003_sharing_templates")
    migration.seed(apps, None)
    importlib.import_module("stamps.migrations.0005_reply_notice_links").link_replies(apps, None)


def reset_reply_throttle() -> None:
    """Replies are limited per client address, and every test client is 127.0.0.1: start each test afresh."""
    from django.core.cache import cache

    for ident in ("127.0.0.1", None):
        cache.delete(f"throttle_stamps_share_reply_{ident}")
