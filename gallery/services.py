"""Writes of the Voice Gallery: voices and their samples, sample upload slots, TTS submissions.

Each write is one transaction. Sample checks (storage HEAD, size, probing the
content) run before the transaction opens; files a request uploaded are removed
again if the database write does not commit.
"""

from __future__ import annotations

import html
import logging
import tempfile
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import nh3
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core import jobs
from core.errors import (
    FILE_TOO_LARGE,
    INVALID_FILE_TYPE,
    INVALID_SAMPLE_URL,
    VOICE_IN_USE,
    VOICE_NOT_FOUND,
    DomainError,
)
from core.media import MediaError
from core.models import Job
from core.services import schedule_storage_cleanup
from core.storage import UploadSlot, new_key, object_storage
from core.uploads import StoredAudio, audio_intake

from . import media
from .models import TtsSubmission, Voice, VoiceSample

logger = logging.getLogger(__name__)


def voice_not_found(voice_id) -> DomainError:
    return DomainError("not_found", code=VOICE_NOT_FOUND, message=f"Voice with ID '{voice_id}' not found.")


def spoken_text(text: str) -> str:
    """What the engine speaks of a submission's text: markup tags are not read aloud.

    The text itself is stored and returned exactly as sent; it is escaped where HTML shows it
    (templates and the admin escape on output), never in the API."""
    return html.unescape(nh3.clean(text, tags=set())).strip()


# --- sample upload slots -------------------------------------------------------------
def request_sample_upload(*, file_name: str, file_type: str, file_size: int, request=None) -> UploadSlot:
    """An upload slot under voice-samples/ bound to audio/mpeg and the declared size."""
    if file_type != media.SAMPLE_CONTENT_TYPE:
        raise DomainError("invalid", f"Only MP3 files are allowed. Received: {file_type}", code=INVALID_FILE_TYPE)
    if not file_name.lower().endswith(media.SAMPLE_EXTENSION):
        raise DomainError(
            "invalid", code=INVALID_FILE_TYPE, message=f"Only MP3 files (.mp3) are allowed. Received: {file_name}"
        )
    if file_size > media.MAX_SAMPLE_BYTES:
        raise _too_large(file_size)
    key = new_key("voice-samples", media.SAMPLE_EXTENSION)
    slot = object_storage.upload_slot(
        key, content_type=media.SAMPLE_CONTENT_TYPE, max_size=file_size, content_length=file_size, request=request
    )
    logger.info("upload slot issued for %s (%s bytes)", key, file_size)
    return slot


def _too_large(size: int) -> DomainError:
    return DomainError(
        "invalid",
        code=FILE_TOO_LARGE,
        message=f"File size {size} bytes exceeds maximum of {media.MAX_SAMPLE_BYTES} bytes (5MB)",
    )


# --- samples ---------------------------------------------------------------------------
def sample_keys_from_urls(urls: Sequence[str]) -> list[str]:
    """The storage keys the URLs name; 400 INVALID_S3_URL listing every URL that is not an
    acceptable MP3 object of ours under voice-samples/. Checked in storage, never fetched."""
    keys, invalid = [], []
    for url in urls:
        key = object_storage.key_from_object_url(url)
        if key is None or not media.stored_sample_is_acceptable(key):
            invalid.append(url)
        else:
            keys.append(key)
    if invalid:
        raise DomainError(
            "invalid",
            code=INVALID_SAMPLE_URL,
            message="One or more S3 URLs are invalid or inaccessible",
            extra={"invalidUrls": invalid},
        )
    return keys


def check_sample_file(upload: UploadedFile) -> None:
    """An uploaded sample must be named .mp3, be at most 5 MB and be MP3 by content (AudioRejected)."""
    _check_sample_name(upload)
    media.check_sample(upload)


def _check_sample_name(upload: UploadedFile) -> None:
    if not (upload.name or "").lower().endswith(media.SAMPLE_EXTENSION):
        raise DomainError(
            "invalid", code=INVALID_FILE_TYPE, message=f"Only MP3 files are allowed. Received: {upload.name}"
        )


def sample_intake(upload: UploadedFile) -> AbstractContextManager[StoredAudio]:
    """One sample file, named .mp3, through the audio intake: stored under voice-samples/ for the
    block to record, removed again if the block does not complete."""
    _check_sample_name(upload)
    return audio_intake(upload, media.sample_limits(), media.SAMPLE_PREFIX)


@contextmanager
def stored_sample_files(uploads: Iterable[UploadedFile]) -> Iterator[list[str]]:
    """Each file through the sample intake in turn; yields their keys to the block that records
    them, and removes every one of the objects again if it does not complete."""
    with ExitStack() as intakes:
        yield [intakes.enter_context(sample_intake(upload)).key for upload in uploads]


def _set_samples(voice: Voice, keys: Sequence[str]) -> None:
    """Replace the voice's samples; objects no longer named by any sample are removed after commit."""
    previous = set(voice.samples.values_list("key", flat=True))
    voice.samples.all().delete()
    VoiceSample.objects.bulk_create(
        [VoiceSample(voice=voice, position=position, key=key) for position, key in enumerate(keys)]
    )
    _drop_unreferenced(previous - set(keys), voice)


def save_admin_samples(
    voice: Voice, rows: Sequence[tuple[VoiceSample, UploadedFile | None]], *, deleted: Sequence[VoiceSample]
) -> None:
    """The admin's sample rows of ``voice``: ``deleted`` go, each row's upload (checked by the form)
    is stored as its file, new rows are appended. Objects no sample names any more are removed
    after commit; files stored here are removed again if the save fails."""
    dropped = [sample.key for sample in deleted]
    if any(sample.pk is not None for sample, _ in rows):
        current = dict(
            VoiceSample.objects.filter(pk__in=[sample.pk for sample, _ in rows if sample.pk]).values_list("pk", "key")
        )
        dropped += [current.get(sample.pk, "") for sample, _ in rows if sample.pk is not None]
    uploads = [upload for _, upload in rows if upload is not None]
    with stored_sample_files(uploads) as stored, transaction.atomic():
        new_keys = iter(stored)
        for sample in deleted:
            sample.delete()
        for sample, upload in rows:
            if upload is not None:
                sample.key = next(new_keys)
            if sample.pk is not None:
                sample.save()
        arrange_samples(voice, [sample for sample, _ in rows if sample.pk is None], dropped_keys=dropped)


def arrange_samples(voice: Voice, new_samples: Sequence[VoiceSample], *, dropped_keys: Iterable[str]) -> None:
    """After the admin removed or replaced samples: close the gaps in positions (keeping the
    order), append the new samples and drop the objects nothing names any more."""
    for index, sample in enumerate(voice.samples.order_by("position")):
        # Ascending, each row only moves down into a slot already vacated.
        if sample.position != index:
            sample.position = index
            sample.save(update_fields=["position"])
    start = voice.samples.count()
    for offset, sample in enumerate(new_samples):
        sample.voice = voice
        sample.position = start + offset
        sample.save()
    _drop_unreferenced(set(dropped_keys), voice)


def _drop_unreferenced(keys: set[str], voice: Voice) -> None:
    keys = {key for key in keys if key}
    still_used = set(VoiceSample.objects.filter(key__in=keys).values_list("key", flat=True))
    schedule_storage_cleanup(keys - still_used, subject=f"voice {voice.pk} samples")


def stamp(voice: Voice, actor, *, creating: bool) -> None:
    voice.updated_by = actor
    voice.updated_by_user_id = str(actor.pk)
    voice.updated_by_name = actor.name
    if creating:
        voice.created_by = actor
        voice.created_by_user_id = str(actor.pk)
        voice.created_by_name = actor.name


def purge_unused_samples(older_than: timedelta | None = None) -> int:
    """Delete objects under voice-samples/ that no voice names and that are older than
    ``older_than`` (default GALLERY_UNUSED_SAMPLE_HOURS): uploads through a slot that were never
    attached to a voice. Soft-deleted voices keep naming theirs, so those stay."""
    if older_than is None:
        older_than = timedelta(hours=settings.GALLERY_UNUSED_SAMPLE_HOURS)
    cutoff = timezone.now() - older_than
    named = set(VoiceSample.objects.values_list("key", flat=True))
    stale = [
        key
        for key in object_storage.list("voice-samples")
        if key not in named and object_storage.modified_time(key) <= cutoff
    ]
    object_storage.delete_many(stale)
    logger.info("purged %s unused voice samples older than %s", len(stale), older_than)
    return len(stale)


# --- voices ----------------------------------------------------------------------------
def create_voice(
    *,
    actor,
    name: str,
    voice_characteristic: str,
    order_number: int,
    is_published: bool = False,
    sample_urls: Sequence[str] = (),
    sample_files: Sequence[UploadedFile] = (),
    **engine,
) -> Voice:
    """Create a voice with its samples (URLs of uploaded objects, or files stored here)."""
    keys = sample_keys_from_urls(sample_urls) if sample_urls else []
    with stored_sample_files(sample_files) as stored, transaction.atomic():
        voice = Voice(
            name=name,
            voice_characteristic=voice_characteristic,
            order_number=order_number,
            is_published=is_published,
            **engine,
        )
        stamp(voice, actor, creating=True)
        voice.save()
        _set_samples(voice, keys + stored)
    logger.info("voice %s created by %s with %s samples", voice.pk, actor.pk, len(keys) + len(stored))
    return voice


def update_voice(
    voice_id,
    *,
    actor,
    changes: dict,
    sample_urls: Sequence[str] | None = None,
    sample_files: Sequence[UploadedFile] | None = None,
) -> Voice:
    """Apply ``changes`` (model field names); samples, when given, replace the existing ones.
    A request that changes nothing writes nothing: updatedAt and updatedBy stay as they were."""
    voice = Voice.objects.alive().filter(pk=voice_id).first()
    if voice is None:
        raise voice_not_found(voice_id)
    changes = {field: value for field, value in changes.items() if getattr(voice, field) != value}
    if not changes and sample_urls is None and not sample_files:
        return voice
    keys = sample_keys_from_urls(sample_urls) if sample_urls else None
    with stored_sample_files(sample_files or ()) as stored, transaction.atomic():
        voice = Voice.objects.alive().select_for_update().filter(pk=voice_id).first()
        if voice is None:
            raise voice_not_found(voice_id)
        for field, value in changes.items():
            setattr(voice, field, value)
        stamp(voice, actor, creating=False)
        voice.save()
        if keys is not None or stored:
            _set_samples(voice, (keys or []) + stored)
    logger.info("voice %s updated by %s (%s)", voice.pk, actor.pk, ", ".join(sorted(changes)) or "samples")
    return voice


def generations_using(voice: Voice) -> int:
    """TTS submissions that produced, or are producing, audio with the voice."""
    return voice.submissions.exclude(job__state=Job.State.FAILED).count()


@transaction.atomic
def delete_voice(voice_id, *, actor) -> Voice:
    """Soft delete; refused while audio generations use the voice. Samples stay, so it can be restored."""
    voice = Voice.objects.alive().select_for_update().filter(pk=voice_id).first()
    if voice is None:
        raise voice_not_found(voice_id)
    in_use = generations_using(voice)
    if in_use:
        raise DomainError(
            "conflict",
            code=VOICE_IN_USE,
            message="Cannot delete voice that is currently in use by existing audio generations.",
            extra={"affectedGenerations": in_use},
        )
    voice.deleted_at = timezone.now()
    stamp(voice, actor, creating=False)
    voice.save(update_fields=["deleted_at", "updated_by", "updated_by_user_id", "updated_by_name", "updated_at"])
    logger.info("voice %s deleted by %s", voice.pk, actor.pk)
    return voice


@transaction.atomic
def restore_voice(voice_id, *, actor) -> Voice:
    """Undo a soft delete (staff, from the admin)."""
    voice = Voice.objects.select_for_update().get(pk=voice_id)
    voice.deleted_at = None
    stamp(voice, actor, creating=False)
    voice.save(update_fields=["deleted_at", "updated_by", "updated_by_user_id", "updated_by_name", "updated_at"])
    logger.info("voice %s restored by %s", voice.pk, actor.pk)
    return voice


# --- TTS submissions ---------------------------------------------------------------------
def create_submission(*, user, voice_id, text: str) -> TtsSubmission:
    """Queue speech for ``text`` in a published voice; the job renders it."""
    with transaction.atomic():
        voice = Voice.objects.published().select_for_update().filter(pk=voice_id).first()
        if voice is None:
            raise voice_not_found(voice_id)
        submission = TtsSubmission.objects.create(user=user, voice=voice, text=text)
        submission.job = jobs.start_job(
            "gallery.tts",
            "gallery.render_submission",
            subject=str(submission.pk),
            payload={"submission": str(submission.pk)},
            owner=user,
        )
        submission.save(update_fields=["job"])
    logger.info("tts submission %s queued by %s with voice %s", submission.pk, user.pk, voice.pk)
    return submission


def render_submission(job_id) -> None:
    """The job's work: speak the text with the voice's engine mapping and store an MP3 under submissions/."""

    def work(ctx: jobs.JobContext):
        submission = TtsSubmission.objects.select_related("voice").get(pk=ctx.job.payload["submission"])
        if submission.audio_key:
            return
        voice = submission.voice
        with tempfile.TemporaryDirectory() as workdir:
            try:
                speech = media.render_speech(
                    spoken_text(submission.text),
                    Path(workdir),
                    voice=voice.espeak_voice,
                    characteristic=voice.voice_characteristic,
                    rate=voice.speech_rate,
                    pitch=voice.pitch,
                )
            except MediaError as exc:
                raise jobs.JobFailed(str(exc)) from exc
            ctx.progress(70)
            with speech.path.open("rb") as rendered:
                key = object_storage.put(
                    new_key(ctx.output_prefix(media.SUBMISSION_PREFIX), ".mp3"), rendered, "audio/mpeg"
                ).key
        # Removed by core.jobs unless this records it.
        with ctx.writing_results():
            TtsSubmission.objects.filter(pk=submission.pk).update(
                audio_key=key, duration_seconds=speech.duration, completed_at=timezone.now()
            )
        logger.info("tts submission %s rendered to %s (%.2fs)", submission.pk, key, speech.duration)

    jobs.run_job(job_id, work)
