"""A stamp with a real recording, image and thumbnail, made through the stamps services
(uploads probed by content, objects in ``object_storage``), for the sharing tests."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from stamps import services
from stamps.thumbnails import services as thumbnail_services
from stamps.models import Stamp
from tests.media import image_bytes, tone

IMAGE_SIZE = (320, 240)
# Two drawings on the 320x240 image: a red line along the bottom at 1 s, a green one along the top at 3 s.
DRAWINGS = [
    {
        "id": "d1",
        "strokes": [{"points": [[40, 200], [120, 200]], "color": "#ff0000", "width": 8, "tool": "pen"}],
        "coordinates": {"width": 320, "height": 240},
        "timestamp": 1.0,
    },
    {
        "id": "d2",
        "strokes": [{"points": [[200, 40], [300, 40]], "color": "#00c000", "width": 8, "tool": "pen"}],
        "coordinates": {"width": 320, "height": 240},
        "timestamp": 3.0,
    },
]
TRANSCRIPTION = {
    "text": "Gulls over the water. Then the ferry horn.",
    "language": "en",
    "source": "asr",
    "segments": [
        {"start": 0.0, "end": 2.0, "text": " Gulls over the water."},
        {"start": 2.0, "end": 4.0, "text": " Then the ferry horn."},
    ],
}
TRANSLATIONS = [
    {
        "id": "t1",
        "text_id": None,
        "of": "transcription",
        "source_language": "en",
        "target_language": "es",
        "text": "Gaviotas sobre el agua. Luego la bocina del ferry.",
        "engine": "apertium",
    },
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
    stamp = services.create_stamp(
        owner=owner,
        title=title,
        description="Sounds of the harbour",
        voice_tags=VOICE_TAGS if voice_tags is None else voice_tags,
    )
    # Drawings, transcript and translations are the outputs of other endpoints; set as they store them.
    Stamp.objects.filter(pk=stamp.pk).update(drawings=DRAWINGS, transcription=TRANSCRIPTION, translations=TRANSLATIONS)
    if with_media:
        wav = recording(directory)
        services.attach_audio(owner, stamp.pk, SimpleUploadedFile("tone.wav", wav.read_bytes(), "audio/wav"))
        services.attach_image(owner, stamp.pk, SimpleUploadedFile("picture.png", image_bytes(*IMAGE_SIZE), "image/png"))
        thumbnail_services.generate_thumbnail(owner, stamp.pk, style="cover", timestamp=None, force=True)
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
    from core.throttles import reset

    reset("stamps_share_reply", "127.0.0.1")


def harbour_scene(width: int = 960, height: int = 640) -> bytes:
    """A drawn harbour at dusk (sky, sun, sea, pier, boat): a picture worth annotating in screenshots."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.58)
    for y in range(horizon):  # sky: deep blue to warm orange at the horizon
        t = y / horizon
        draw.line([(0, y), (width, y)], fill=(int(40 + 200 * t), int(70 + 110 * t), int(140 - 40 * t)))
    for y in range(horizon, height):  # sea: darker with depth
        t = (y - horizon) / (height - horizon)
        draw.line([(0, y), (width, y)], fill=(int(30 - 10 * t), int(90 - 30 * t), int(130 - 40 * t)))
    sun = (int(width * 0.68), horizon - int(height * 0.12), int(height * 0.09))
    draw.ellipse([sun[0] - sun[2], sun[1] - sun[2], sun[0] + sun[2], sun[1] + sun[2]], fill=(255, 214, 120))
    for row in range(12):  # glints on the water under the sun
        y = horizon + 10 + row * 18
        half = int(sun[2] * (1.2 - row * 0.08))
        draw.line([(sun[0] - half, y), (sun[0] + half, y)], fill=(240, 190, 110), width=3)
    draw.rectangle([0, horizon - 30, int(width * 0.32), horizon + 8], fill=(62, 48, 44))  # the pier
    for x in range(20, int(width * 0.32), 46):
        draw.rectangle([x, horizon + 8, x + 10, horizon + 70], fill=(52, 40, 36))
    hull = [
        (int(width * 0.40), horizon + 60),
        (int(width * 0.56), horizon + 60),
        (int(width * 0.53), horizon + 95),
        (int(width * 0.43), horizon + 95),
    ]
    draw.polygon(hull, fill=(150, 40, 36))
    draw.rectangle([int(width * 0.46), horizon + 30, int(width * 0.50), horizon + 60], fill=(235, 230, 220))
    draw.line([(int(width * 0.475), horizon - 40), (int(width * 0.475), horizon + 30)], fill=(70, 60, 60), width=4)
    for x, y in ((0.2, 0.2), (0.27, 0.16), (0.33, 0.23)):  # gulls
        gx, gy = int(width * x), int(height * y)
        draw.line([(gx - 16, gy - 6), (gx, gy), (gx + 16, gy - 6)], fill=(250, 250, 250), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()
