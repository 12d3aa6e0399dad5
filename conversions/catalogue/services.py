"""Writes of the voice catalogue and calibrations: favorites, per-user settings, samples
rendered by the WORLD engine, calibration uploads and their f0 estimation job."""

from __future__ import annotations

import logging
import math
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import jobs
from core.errors import CALIBRATION_NAME_TAKEN, DomainError
from core.media import MediaError, audio, images, tts, vocoder
from core.services import schedule_storage_cleanup
from core.storage import new_key, object_storage, removed_on_failure
from core.uploads import AudioLimits, audio_intake

from .models import (
    Accent,
    AccentSetting,
    Calibration,
    NarrationStyle,
    NarrationStyleSetting,
    Voice,
    VoiceFavorite,
)
from .version import catalogue_changed

logger = logging.getLogger(__name__)

CALIBRATION_FORMATS = {"wav", "ogg", "mp3", "flac"}
# Short on purpose: seeding renders a sample per accent and narration style.
SAMPLE_TEXT = "Hello! This is how I sound."
SAMPLE_FORMAT = "mp3"


def storage_bucket() -> str:
    return "local" if object_storage.is_local else object_storage.backend.bucket_name


# --- engine parameters ----------------------------------------------------------------
def voice_shape(
    voice: Voice,
    *,
    reference_f0: float,
    accent: Accent | None = None,
    narration_style: NarrationStyle | None = None,
    semitones_correction: float = 0.0,
) -> vocoder.VoiceShape:
    """What the engine does for this voice: your pitch (``reference_f0``) + the voice's default shift
    (from your pitch to the voice's) + the accent's offset + your correction; formants, intonation,
    rate and breathiness from the voice, its accent and its narration style."""
    semitones = 12 * math.log2(voice.pitch / reference_f0) + semitones_correction
    formant_ratio, pitch_range, rate, breathiness = voice.formant_ratio, voice.pitch_range, 1.0, voice.breathiness
    if accent is not None:
        semitones += accent.semitones
        formant_ratio *= accent.formant_ratio
        pitch_range *= accent.pitch_range
        rate *= accent.rate
    if narration_style is not None:
        pitch_range *= narration_style.pitch_range
        rate *= narration_style.rate
        breathiness += narration_style.breathiness
    return vocoder.VoiceShape(
        semitones=round(semitones, 3),
        formant_ratio=round(min(max(formant_ratio, vocoder.FORMANT_RATIO_RANGE[0]), vocoder.FORMANT_RATIO_RANGE[1]), 4),
        pitch_range=round(min(pitch_range, vocoder.PITCH_RANGE_RANGE[1]), 4),
        rate=round(min(max(rate, vocoder.RATE_RANGE[0]), vocoder.RATE_RANGE[1]), 4),
        breathiness=round(min(breathiness, 1.0), 4),
    )


def tts_engine_voice(locale: str) -> str:
    """The espeak-ng voice for a locale (en-GB -> en-gb), falling back to its language, then en-us."""
    installed = tts.voices()
    for candidate in (locale.lower(), locale.lower().split("-")[0]):
        if candidate in installed:
            return candidate
    return "en-us"


# --- favorites and settings -------------------------------------------------------------
@transaction.atomic
def set_voice_favorite(user, voice: Voice, favorite: bool) -> None:
    if favorite:
        VoiceFavorite.objects.get_or_create(user=user, voice=voice)
    else:
        VoiceFavorite.objects.filter(user=user, voice=voice).delete()


@transaction.atomic
def update_voice_settings(
    user,
    voice: Voice,
    *,
    accent: Accent | None = None,
    narration_style: NarrationStyle | None = None,
    semitones_correction: float | None = None,
) -> None:
    """Make ``accent`` / ``narration_style`` the user's favorite of this voice (one each per voice)
    and keep the accent's semitones correction."""
    if accent is not None:
        AccentSetting.objects.filter(user=user, accent__voice=voice).exclude(accent=accent).update(favorite=False)
        defaults = {"favorite": True}
        if semitones_correction is not None:
            defaults["semitones_correction"] = semitones_correction
        AccentSetting.objects.update_or_create(user=user, accent=accent, defaults=defaults)
    if narration_style is not None:
        NarrationStyleSetting.objects.filter(user=user, narration_style__voice=voice).exclude(
            narration_style=narration_style
        ).update(favorite=False)
        NarrationStyleSetting.objects.update_or_create(
            user=user, narration_style=narration_style, defaults={"favorite": True}
        )


# --- samples ----------------------------------------------------------------------------
def save_voice(voice: Voice, *, image: images.CleanImage | None = None) -> Voice:
    """Save a catalogue voice (staff curate them in the admin); a new ``image`` is stored with its
    thumbnail and replaces the previous ones, which are removed after commit."""
    if image is None:
        voice.save()
        return voice
    stored = object_storage.put_bytes(
        new_key(f"voices/{voice.pk}/images", image.extension), image.data, image.content_type
    )
    thumbnail = object_storage.put_bytes(
        new_key(f"voices/{voice.pk}/thumbnails", "jpg"), images.thumbnail(image.data), "image/jpeg"
    )
    replaced = [voice.image_key, voice.thumbnail_key]
    with removed_on_failure([stored.key, thumbnail.key]), transaction.atomic():
        voice.image_key, voice.thumbnail_key = stored.key, thumbnail.key
        voice.save()
        schedule_storage_cleanup(replaced, subject=f"voice {voice.pk} image")
    return voice


@transaction.atomic
def publish_voices(voices, *, active: bool) -> int:
    """Show (or hide) the selected voices in the catalogue; returns how many were changed."""
    changed = voices.update(active=active)
    catalogue_changed()  # update() sends no signals
    return changed


def _render_sample(
    voice: Voice, *, tts_voice: str, tts_rate: int, accent: Accent | None, narration_style: NarrationStyle | None
) -> tuple[str, float]:
    """Speak the sample text with espeak-ng, convert it into the voice, store it. Returns (key, duration)."""
    with tempfile.TemporaryDirectory(prefix="sample-") as workdir:
        spoken = tts.synthesize(SAMPLE_TEXT, Path(workdir) / "tts.wav", voice=tts_voice, rate=tts_rate)
        reference = vocoder.estimate_f0(spoken)
        shape = voice_shape(voice, reference_f0=reference.f0, accent=accent, narration_style=narration_style)
        converted = Path(workdir) / f"sample.{SAMPLE_FORMAT}"
        result = vocoder.convert(spoken, converted, shape, output_format=SAMPLE_FORMAT)
        with converted.open("rb") as stream:
            stored = object_storage.put(
                new_key(f"voices/{voice.pk}/samples", SAMPLE_FORMAT), stream, result.content_type
            )
    return stored.key, result.duration


def render_voice_samples(voice: Voice) -> int:
    """(Re-)render the sample of each accent and narration style of ``voice``; returns how many."""
    rendered = 0
    replaced: list[str] = []
    for accent in voice.accents.all():
        key, duration = _render_sample(
            voice, tts_voice=tts_engine_voice(accent.locale), tts_rate=160, accent=accent, narration_style=None
        )
        replaced.append(accent.sample_key)
        Accent.objects.filter(pk=accent.pk).update(sample_key=key, sample_duration=duration)
        rendered += 1
    for style in voice.narration_styles.all():
        key, duration = _render_sample(
            voice, tts_voice=style.tts_voice, tts_rate=style.tts_rate, accent=None, narration_style=style
        )
        replaced.append(style.sample_key)
        NarrationStyle.objects.filter(pk=style.pk).update(sample_key=key, sample_duration=duration)
        rendered += 1
    with transaction.atomic():
        schedule_storage_cleanup(replaced, subject=f"voice {voice.pk} samples")
        catalogue_changed()  # the update()s above send no signals
    logger.info("rendered %s samples of voice %s", rendered, voice.pk)
    return rendered


def sample_urls(sample_key: str, duration: float, name: str, request=None) -> dict:
    """The ``samples`` object: sample name -> signed URL, duration and type (empty until rendered)."""
    if not sample_key:
        return {}
    return {
        "default": {
            "url": object_storage.signed_url(
                sample_key,
                filename=f"{name}.{SAMPLE_FORMAT}",
                content_type=audio.CONTENT_TYPES[SAMPLE_FORMAT],
                request=request,
            ),
            "duration": duration,
            "content_type": audio.CONTENT_TYPES[SAMPLE_FORMAT],
        }
    }


# --- calibrations -----------------------------------------------------------------------
def create_calibration(user, *, name: str, upload) -> Calibration:
    """Store the audio (checked by content) and queue the f0 estimation. Nothing is left behind on failure."""
    if Calibration.objects.filter(user=user, name=name).exists():
        raise DomainError("conflict", "A calibration with this name already exists.", code=CALIBRATION_NAME_TAKEN)
    limits = AudioLimits(settings.CALIBRATION_MAX_BYTES, settings.CALIBRATION_MAX_SECONDS, CALIBRATION_FORMATS)
    try:
        with audio_intake(upload, limits, f"calibrations/{user.pk}") as accepted, transaction.atomic():
            calibration = Calibration.objects.create(
                user=user,
                name=name,
                audio_key=accepted.key,
                audio_format=accepted.info.format,
                bucket=storage_bucket(),
                duration=accepted.info.duration,
            )
            calibration.job = jobs.start_job(
                "conversions.calibration",
                "conversions.estimate_calibration",
                owner=user,
                subject=f"calibration {calibration.pk}",
            )
            calibration.save(update_fields=["job"])
    except IntegrityError:
        raise DomainError(
            "conflict", "A calibration with this name already exists.", code=CALIBRATION_NAME_TAKEN
        ) from None
    logger.info("calibration %s created for user %s", calibration.pk, user.pk)
    return calibration


def run_calibration_estimate(job_id) -> None:
    """The job: estimate the speaker's f0 from the voiced frames with the estimator conversion uses."""

    def work(ctx: jobs.JobContext):
        calibration = Calibration.objects.get(job_id=ctx.job.pk)
        with tempfile.TemporaryDirectory(prefix="calibration-") as scratch:
            path = object_storage.download(
                calibration.audio_key, Path(scratch) / f"calibration.{calibration.audio_format}"
            )
            ctx.progress(20)
            try:
                estimate = vocoder.estimate_f0(path, max_seconds=settings.CALIBRATION_MAX_SECONDS)
            except MediaError as exc:
                raise jobs.JobFailed(str(exc)) from None
        with ctx.writing_results():
            Calibration.objects.filter(pk=calibration.pk).update(
                f0=estimate.f0,
                algorithm=estimate.algorithm,
                state=Calibration.State.CALIBRATED,
                error="",
                calibrated_at=timezone.now(),
            )
        logger.info("calibration %s: f0 %.1f Hz", calibration.pk, estimate.f0)

    def failed(job: jobs.Job, reason: str):
        Calibration.objects.filter(job_id=job.pk).update(state=Calibration.State.ERROR, error=reason)

    jobs.run_job(job_id, work, on_failure=failed)


@transaction.atomic
def enable_calibration(user, calibration: Calibration) -> Calibration:
    calibration = Calibration.objects.select_for_update().get(pk=calibration.pk, user=user)
    if calibration.state != Calibration.State.CALIBRATED:
        raise DomainError("invalid", f"The calibration is {calibration.state}; only a calibrated one can be enabled.")
    Calibration.objects.filter(user=user, enabled=True).exclude(pk=calibration.pk).update(enabled=False)
    calibration.enabled = True
    calibration.save(update_fields=["enabled"])
    return calibration


@transaction.atomic
def use_auto_calibration(user) -> None:
    """No calibration enabled: each order estimates the speaker's pitch from its original."""
    Calibration.objects.filter(user=user, enabled=True).update(enabled=False)


@transaction.atomic
def rename_calibration(user, calibration: Calibration, name: str) -> Calibration:
    if Calibration.objects.filter(user=user, name=name).exclude(pk=calibration.pk).exists():
        raise DomainError("conflict", "A calibration with this name already exists.", code=CALIBRATION_NAME_TAKEN)
    calibration.name = name
    calibration.save(update_fields=["name"])
    return calibration


@transaction.atomic
def delete_calibration(calibration: Calibration) -> Calibration:
    key = calibration.audio_key
    calibration_id = calibration.pk
    calibration.delete()
    calibration.id = calibration_id
    schedule_storage_cleanup([key], subject=f"calibration {calibration_id}")
    return calibration
