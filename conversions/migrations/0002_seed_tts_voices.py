"""The public TTS voices every install offers: espeak-ng voices with a rate and a pitch.

Ids are derived from the voice's settings (uuid5) so they are the same on every install.
"""

import uuid

from django.db import migrations

NAMESPACE = uuid.UUID("6f1c1f7e-3b0a-4c55-9f43-7a1d3c2b9e10")

# (name, espeak-ng voice, ISO 639-1 language, pitch, default for its language)
VOICES = [
    ("English (US)", "en-us", "en", 45, True),
    ("English (US, high)", "en-us", "en", 80, False),
    ("English (UK)", "en-gb", "en", 50, False),
    ("German", "de", "de", 50, True),
    ("French", "fr-fr", "fr", 50, True),
    ("Spanish", "es", "es", 50, True),
    ("Italian", "it", "it", 50, True),
    ("Portuguese (Brazil)", "pt-br", "pt", 50, True),
    ("Dutch", "nl", "nl", 50, True),
    ("Polish", "pl", "pl", 50, True),
    ("Russian", "ru", "ru", 50, True),
    ("Ukrainian", "uk", "uk", 50, True),
]


def voice_id(engine_voice: str, pitch: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{engine_voice}:{pitch}")


def seed(apps, schema_editor):
    TtsVoice = apps.get_model("conversions", "TtsVoice")
    for name, engine_voice, language, pitch, is_default in VOICES:
        TtsVoice.objects.update_or_create(
            id=voice_id(engine_voice, pitch),
            defaults={
                "name": name,
                "engine_voice": engine_voice,
                "language": language,
                "pitch": pitch,
                "rate": 160,
                "is_default": is_default,
                "visibility": "public",
            },
        )


def unseed(apps, schema_editor):
    TtsVoice = apps.get_model("conversions", "TtsVoice")
    TtsVoice.objects.filter(id__in=[voice_id(v[1], v[3]) for v in VOICES]).delete()


class Migration(migrations.Migration):
    dependencies = [("conversions", "0001_library")]

    operations = [migrations.RunPython(seed, unseed)]
