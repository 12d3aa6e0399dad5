"""Writes for the stamp's words: transcription of its recording (a job, faster-whisper) and
translation of its texts or transcript (Apertium), kept in its manifest."""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from core import jobs
from core.errors import DomainError, invalid
from core.media import MediaError, asr, translation
from core.storage import object_storage

from .. import selectors
from ..content import bump
from ..models import Stamp, StampFile

logger = logging.getLogger(__name__)


# --- transcription ------------------------------------------------------------------------------
TRANSCRIBE_TASK = "stamps.transcribe_stamp"


@transaction.atomic
def start_transcription(user, stamp_id, *, force: bool = False) -> tuple[Stamp, bool]:
    """Start transcribing the recording; returns the stamp and whether a job was started."""
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    audio_file = StampFile.objects.filter(stamp=stamp, role=StampFile.Role.AUDIO).first()
    if audio_file is None:
        raise invalid({"audio_file": ["Upload an audio file before transcribing."]})
    job = stamp.transcription_job
    if job is not None and not job.is_finished:
        return stamp, False
    current = stamp.transcription or {}
    if not force and current.get("source") == "asr" and current.get("audio_sha256") == audio_file.sha256:
        return stamp, False
    stamp.transcription_job = jobs.start_job(
        "stamps.transcribe", TRANSCRIBE_TASK, subject=f"stamp:{stamp.pk}", payload={"stamp_id": stamp.pk}, owner=user
    )
    stamp.save(update_fields=["transcription_job", "updated_at"])
    logger.info("stamp %s: transcription job %s started", stamp.pk, stamp.transcription_job_id)
    return stamp, True


def run_transcription(job_id) -> None:
    def work(ctx: jobs.JobContext):
        stamp = Stamp.objects.filter(pk=ctx.job.payload["stamp_id"]).first()
        if stamp is None:
            raise jobs.JobFailed("The VoiceStamp was deleted.")
        audio_file = stamp.files.filter(role=StampFile.Role.AUDIO).first()
        if audio_file is None:
            raise jobs.JobFailed("The VoiceStamp has no audio.")
        with tempfile.TemporaryDirectory(prefix=f"stamp-asr-{stamp.pk}-") as tmp:
            try:
                path = object_storage.download(audio_file.key, Path(tmp) / "audio")
            except FileNotFoundError:
                raise jobs.JobFailed("The audio file is missing from storage.") from None
            ctx.progress(10)
            try:
                transcript = asr.transcribe(path, progress=lambda done: ctx.progress(10 + int(done * 85)))
            except MediaError as exc:
                raise jobs.JobFailed(str(exc)) from None
        result = {
            "text": transcript.text,
            "source": "asr",
            "engine": "faster-whisper",
            "language": transcript.language,
            "confidence": transcript.confidence,
            "duration": transcript.duration,
            "segments": [
                {
                    "start": s.start,
                    "end": s.end,
                    "text": s.text,
                    "confidence": s.confidence,
                    "no_speech_probability": s.no_speech_probability,
                    "words": [
                        {"word": w.word, "start": w.start, "end": w.end, "confidence": w.probability} for w in s.words
                    ],
                }
                for s in transcript.segments
            ],
            "audio_sha256": audio_file.sha256,
            "created_at": timezone.now().isoformat(),
        }
        with ctx.writing_results():
            locked = Stamp.objects.select_for_update().filter(pk=stamp.pk).first()
            if locked is None:
                raise jobs.JobFailed("The VoiceStamp was deleted.")
            locked.transcription = result
            bump(locked, ["transcription"])
        logger.info("stamp %s transcribed by job %s (%s segments)", stamp.pk, ctx.job.pk, len(result["segments"]))

    jobs.run_job(job_id, work)


# --- translation ------------------------------------------------------------------------------
def translate(
    user,
    *,
    text: str | None,
    target_language: str,
    source_language: str | None,
    vst_id=None,
    text_id: str | None = None,
) -> tuple[translation.Translation, dict | None]:
    """Translate text, or a stamp's text/transcription (stored in its manifest). Returns the stored entry too."""
    if vst_id is None:
        return _translate(text, target_language, source_language), None
    stamp = selectors.stamp_for_user(user, vst_id)
    if text_id:
        found = next((t for t in stamp.texts if t.get("id") == text_id), None)
        if found is None:
            raise invalid({"text_id": ["This VoiceStamp has no text with this id."]})
        source_text, origin = found["text_content"], {"text_id": text_id}
    else:
        if not (stamp.transcription or {}).get("text"):
            raise invalid({"vst_id": ["This VoiceStamp has no transcription to translate yet."]})
        source_text, origin = stamp.transcription["text"], {"text_id": None, "of": "transcription"}
    result = _translate(source_text, target_language, source_language)
    entry = {
        "id": uuid.uuid4().hex,
        **origin,
        "source_language": result.source_language,
        "target_language": result.target_language,
        "text": result.text,
        "engine": "apertium",
        "created_at": timezone.now().isoformat(),
    }
    with transaction.atomic():
        locked = selectors.stamp_for_user(user, stamp.pk, for_update=True)
        locked.translations = [*locked.translations, entry][-100:]
        bump(locked, ["translations"])
    return result, entry


def _translate(text: str, target: str, source: str | None) -> translation.Translation:
    try:
        return translation.translate(text, target, source)
    except translation.UnsupportedPair as exc:
        raise DomainError(
            "invalid", fields={"target_language": [str(exc)]}, extra={"supported_pairs": translation.supported_pairs()}
        ) from None
    except MediaError as exc:
        raise invalid({"text": [str(exc)]}) from None
