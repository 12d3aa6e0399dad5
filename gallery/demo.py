"""Demo voices for `make run`: three published voices, each with a sample spoken by its own
engine voice (created once; a voice that already exists is left as the curator left it)."""

import tempfile
from pathlib import Path

from accounts.demo import DEMO_EMAIL
from accounts.models import User
from core.storage import new_key, object_storage

from . import media, services
from .models import Voice

DEMO_VOICES = [
    {"name": "Rachel", "voice_characteristic": "Female", "order_number": 1, "espeak_voice": "en-us", "pitch": 70},
    {"name": "Adam", "voice_characteristic": "Male", "order_number": 2, "espeak_voice": "en-us", "pitch": 30},
    {
        "name": "Fiona",
        "voice_characteristic": "Accent",
        "order_number": 3,
        "espeak_voice": "en-gb-scotland",
        "pitch": 55,
    },
]


def seed(stdout):
    curator = User.objects.filter(email=DEMO_EMAIL).first()
    if curator is None:
        return
    for spec in DEMO_VOICES:
        if Voice.objects.filter(name=spec["name"]).exists():
            continue
        with tempfile.TemporaryDirectory() as workdir:
            speech = media.render_speech(
                f"Hello, I am {spec['name']}.",
                Path(workdir),
                voice=spec["espeak_voice"],
                characteristic=spec["voice_characteristic"],
                rate=160,
                pitch=spec["pitch"],
            )
            with speech.path.open("rb") as rendered:
                key = object_storage.put(new_key("voice-samples", ".mp3"), rendered, "audio/mpeg").key
        services.create_voice(actor=curator, is_published=True, sample_urls=[object_storage.object_url(key)], **spec)
    stdout.write(f"Voice gallery: {Voice.objects.alive().count()} voices")
