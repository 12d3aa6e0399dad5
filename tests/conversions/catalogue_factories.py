"""Catalogue rows for the catalogue, calibration and order tests."""

import itertools
import uuid
from pathlib import Path

from conversions.models import (
    Accent,
    Folder,
    NarrationStyle,
    Project,
    Recording,
    Subscription,
    SubscriptionTier,
    Voice,
)
from core.media import audio
from core.storage import new_key, object_storage

_numbers = itertools.count(1)


def tier(name="basic", rank=0):
    return SubscriptionTier.objects.get_or_create(name=name, defaults={"rank": rank})[0]


def subscribe(user, tier_row):
    Subscription.objects.update_or_create(user=user, defaults={"tier": tier_row})


def make_voice(owner, *, tiers=(), accents=1, styles=1, **fields):
    number = next(_numbers)
    defaults = dict(
        name=f"Voice {number}",
        slug=f"voice-{number}",
        pitch=180.0,
        formant_ratio=1.1,
        active=True,
        visibility="public",
        species="human",
        gender="female",
        age_group="adult",
        pitch_group="mid",
        nationality="American",
        rating=50,
    )
    defaults.update(fields)
    voice = Voice.objects.create(owner=owner, **defaults)
    voice.tiers.set(tiers)
    for index in range(accents):
        Accent.objects.create(
            voice=voice,
            name=f"Accent {index}",
            short_name=f"A{index}",
            locale="en-US" if index == 0 else "en-GB",
            is_default=index == 0,
            semitones=0.0 if index == 0 else 1.0,
        )
    for index in range(styles):
        NarrationStyle.objects.create(
            voice=voice, name=f"Style {index}", is_default=index == 0, tts_voice="en-us", tts_rate=170 + 10 * index
        )
    return voice


def make_original(owner, path: Path | None, *, tts=False, text="", state=Recording.State.DONE):
    number = uuid.uuid4().hex[:8]
    project = Project.objects.create(name=f"P {number}", slug=f"p-{number}", url=f"p-{number}", owner_user=owner)
    folder = Folder.objects.create(project=project, name="Takes")
    fields = {}
    if path is not None:
        info = audio.probe(path)
        with open(path, "rb") as stream:
            stored = object_storage.put(new_key(f"tests/{project.pk}", info.format), stream, info.content_type)
        fields = dict(
            audio_key=stored.key,
            audio_format=info.format,
            content_type=info.content_type,
            size=stored.size,
            duration=info.duration,
        )
    elif tts:
        fields = dict(duration=2.5)
    return Recording.objects.create(
        project=project,
        parent_folder=folder,
        created_by=owner,
        state=state,
        tts=tts,
        text=text,
        label="Original",
        **fields,
    )
