"""The starter voice catalogue: tiers and thirteen voices that differ where the engine can make
them differ (pitch, vocal tract length, intonation, breathiness), each with accents and
narration styles. Loaded idempotently by ``manage.py seed_voices`` (and ``seed_demo``)."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction

from .services import render_voice_samples
from .models import Accent, NarrationStyle, SubscriptionTier, Voice

logger = logging.getLogger(__name__)

CATALOGUE_OWNER_EMAIL = "voices@voiceplatform.local"
TIERS = [("basic", 0), ("pro", 1), ("studio", 2)]

# name, gender, age, pitch group, species, pitch Hz, formant ratio, pitch range, breathiness,
# nationality, visibility, tier, rating, locale of the native accent.
VOICES = [
    ("Aria", "female", "adult", "mid", "human", 210, 1.15, 1.1, 0.05, "American", "public", "basic", 88, "en-US"),
    ("Bruno", "male", "adult", "low", "human", 95, 0.88, 0.9, 0.0, "Brazilian", "public", "basic", 82, "pt-BR"),
    ("Clara", "female", "young", "high", "human", 250, 1.2, 1.3, 0.1, "British", "public", "basic", 91, "en-GB"),
    ("Dmitri", "male", "senior", "low", "human", 85, 0.85, 0.8, 0.2, "Ukrainian", "paid", "pro", 77, "uk"),
    ("Elena", "female", "senior", "mid", "human", 185, 1.08, 0.9, 0.25, "Spanish", "paid", "pro", 80, "es"),
    ("Finn", "male", "child", "high", "human", 290, 1.3, 1.3, 0.05, "Irish", "kids", "basic", 85, "en-GB"),
    ("Grace", "female", "child", "high", "human", 310, 1.35, 1.4, 0.05, "Canadian", "kids", "basic", 87, "en-US"),
    ("Hugo", "male", "adult", "mid", "human", 130, 0.95, 1.0, 0.1, "French", "public", "basic", 79, "fr-FR"),
    ("Iris", "female", "adult", "low", "human", 165, 1.05, 0.7, 0.35, "American", "paid", "studio", 93, "en-US"),
    ("Jonas", "male", "young", "mid", "human", 140, 1.0, 1.2, 0.0, "German", "public", "basic", 74, "de-DE"),
    ("Koda", "male", "adult", "low", "animal", 70, 0.7, 0.6, 0.4, "Canadian", "public", "basic", 69, "en-US"),
    ("Pixel", "", "", "mid", "other", 160, 1.1, 0.0, 0.0, "", "public", "basic", 72, "en-US"),
    ("Marta", "female", "adult", "mid", "human", 200, 1.1, 1.0, 0.1, "Polish", "paid", "studio", 90, "pl-PL"),
]
EXTRA_ACCENTS = [
    # (short name, name, locale, semitones, formant ratio, pitch range, rate, tier or None)
    ("GB", "British English", "en-GB", 0.5, 1.02, 1.1, 0.95, None),
    ("SCO", "Scottish English", "en-GB-scotland", -0.5, 0.98, 1.2, 1.0, "pro"),
]
NARRATION_STYLES = [
    # (name, tags, espeak-ng voice, words per minute, pitch range, rate, breathiness)
    ("Neutral", ["Neutral", "Calm"], "en-us", 160, 1.0, 1.0, 0.0),
    ("Storyteller", ["Storyteller", "Warm", "Expressive"], "en-gb", 140, 1.3, 0.95, 0.1),
]
ACCENT_NAMES = {
    "en-US": "American English",
    "en-GB": "British English",
    "pt-BR": "Brazilian Portuguese",
    "uk": "Ukrainian",
    "es": "Spanish",
    "fr-FR": "French",
    "de-DE": "German",
    "pl-PL": "Polish",
}
EXTRA_ACCENT_VOICES = {"Aria", "Hugo", "Marta"}


def catalogue_owner():
    User = get_user_model()  # noqa: N806 - Django's idiom for the user model
    owner = User.objects.filter(email=CATALOGUE_OWNER_EMAIL).first()
    if owner is None:
        owner = User.objects.create_user(
            email=CATALOGUE_OWNER_EMAIL, password=None, display_name="Voice catalogue", is_active=False
        )
    return owner


@transaction.atomic
def seed_catalogue() -> list[Voice]:
    """Create or update the tiers and voices (engine parameters included); samples are separate."""
    tiers = {}
    for name, rank in TIERS:
        tiers[name], _ = SubscriptionTier.objects.update_or_create(name=name, defaults={"rank": rank})
    owner = catalogue_owner()
    voices = []
    for position, row in enumerate(VOICES):
        (
            name,
            gender,
            age,
            pitch_group,
            species,
            pitch,
            formant,
            pitch_range,
            breath,
            nationality,
            visibility,
            tier,
            rating,
            locale,
        ) = row
        voice, _ = Voice.objects.update_or_create(
            slug=name.lower(),
            defaults=dict(
                owner=owner,
                name=name,
                gender=gender,
                age_group=age,
                pitch_group=pitch_group,
                species=species,
                pitch=pitch,
                formant_ratio=formant,
                pitch_range=pitch_range,
                breathiness=breath,
                nationality=nationality,
                visibility=visibility,
                rating=rating,
                active=True,
                sort_order=position,
                artist=f"{name} (synthetic)",
                verified_artist=False,
                description=f"{name}: a {'synthetic ' if species != 'human' else ''}voice around {pitch} Hz.",
            ),
        )
        voice.tiers.set([tiers[tier]])
        Accent.objects.update_or_create(
            voice=voice,
            short_name=locale.split("-")[-1].upper(),
            defaults=dict(name=ACCENT_NAMES.get(locale, locale), locale=locale, is_default=True, native=True),
        )
        if name in EXTRA_ACCENT_VOICES:
            for (
                short,
                accent_name,
                accent_locale,
                semitones,
                accent_formant,
                accent_range,
                rate,
                accent_tier,
            ) in EXTRA_ACCENTS:
                if accent_locale == locale:
                    continue
                accent, _ = Accent.objects.update_or_create(
                    voice=voice,
                    short_name=short,
                    defaults=dict(
                        name=accent_name,
                        locale=accent_locale,
                        is_default=False,
                        native=False,
                        semitones=semitones,
                        formant_ratio=accent_formant,
                        pitch_range=accent_range,
                        rate=rate,
                    ),
                )
                accent.tiers.set([tiers[accent_tier]] if accent_tier else [])
        for index, (style, tags, engine_voice, wpm, style_range, style_rate, style_breath) in enumerate(
            NARRATION_STYLES
        ):
            NarrationStyle.objects.update_or_create(
                voice=voice,
                name=style,
                defaults=dict(
                    is_default=index == 0,
                    tags=tags,
                    tts_voice=engine_voice,
                    tts_rate=wpm,
                    pitch_range=style_range,
                    rate=style_rate,
                    breathiness=style_breath,
                ),
            )
        voices.append(voice)
    return voices


def seed_voices(stdout=None, *, rerender: bool = False) -> tuple[int, int]:
    """Seed the catalogue and render the samples that are missing (all of them with ``rerender``).
    Returns (voices, samples rendered)."""
    voices = seed_catalogue()
    rendered = 0
    for voice in voices:
        missing = voice.accents.filter(sample_key="").exists() or voice.narration_styles.filter(sample_key="").exists()
        if rerender or missing:
            rendered += render_voice_samples(voice)
    if stdout is not None:
        stdout.write(f"Voice catalogue: {len(voices)} voices, {rendered} samples rendered.")
    return len(voices), rendered
