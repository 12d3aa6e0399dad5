"""Writes for a VoiceStamp itself: create, update, delete, and its uploads (audio, images).

Each public function is one transaction. Stored objects are written before the row that names
them and deleted if that row cannot be written; objects of deleted rows are removed after commit
by ``core.services.schedule_storage_cleanup``. New content makes packaged outputs stale and asks
for an automatic thumbnail (stamps.thumbnails). Manifest edits and packaging live in
stamps.packaging, thumbnails in stamps.thumbnails, transcription and translation in
stamps.transcripts, sharing in stamps.sharing.
"""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.db import transaction

from core.errors import DomainError, invalid
from core.media import MediaError, images
from core.services import schedule_storage_cleanup
from core.storage import new_key, object_storage, removed_on_failure
from core.uploads import AudioLimits, StoredAudio, audio_intake

from . import selectors
from .content import bump, check_voice_tags, limits_of, notes_of
from .files import filename_of, replace_rows, storage_prefix
from .models import Stamp, StampFile
from .sharing import selectors as sharing_selectors
from .thumbnails.services import start_auto_thumbnail

logger = logging.getLogger(__name__)

AUDIO_FORMATS = {"mp3", "wav", "ogg", "m4a", "aac", "flac", "webm"}
DERIVED_ROLES = (
    StampFile.Role.AUDIO_AAC,
    StampFile.Role.AUDIO_OPUS,
    StampFile.Role.WAVEFORM,
    StampFile.Role.MANIFEST,
    StampFile.Role.PACKAGE,
)


def _refuse_while_processing(stamp: Stamp) -> None:
    if stamp.conversion_status == Stamp.Status.PROCESSING:
        raise DomainError("conflict", "The VoiceStamp is being packaged; try again when it has finished.")


# --- stamps --------------------------------------------------------------------------------
@transaction.atomic
def create_stamp(
    *,
    owner,
    title: str,
    description: str | None = None,
    voice_tags=None,
    metadata=None,
    voice_note_id: str | None = None,
) -> Stamp:
    voice_tags = voice_tags or []
    stamp = Stamp.objects.create(
        owner=owner,
        title=title,
        description=description,
        voice_tags=voice_tags,
        voice_tag_notes=notes_of(voice_tags),
        metadata=metadata or {},
        voice_note_id=voice_note_id,
    )
    logger.info("stamp %s created by user %s", stamp.pk, owner.pk)
    return stamp


@transaction.atomic
def update_stamp(user, stamp_id, *, changes: dict) -> Stamp:
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    fields = []
    if "voice_tags" in changes:
        check_voice_tags(changes["voice_tags"], limits_of(stamp))
        stamp.voice_tags = changes["voice_tags"]
        stamp.voice_tag_notes = notes_of(stamp.voice_tags)
        fields += ["voice_tags", "voice_tag_notes"]
    for name in ("title", "description", "metadata", "voice_note_id"):
        if name in changes:
            setattr(stamp, name, changes[name])
            fields.append(name)
    if fields:
        bump(stamp, fields)
    return stamp


@transaction.atomic
def delete_stamp(user, stamp_id) -> None:
    """Delete the stamp and, once committed, every object it owns in storage."""
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    keys = list(stamp.files.values_list("key", flat=True)) + sharing_selectors.storage_keys_of_stamp(stamp)
    stamp_pk = stamp.pk
    stamp.delete()
    # The prefix takes what no row recorded (outputs of a killed job); objects a job is writing
    # right now are removed by that job when it finds the stamp gone.
    schedule_storage_cleanup(keys, subject=f"stamp:{stamp_pk}", prefixes=[f"{storage_prefix(stamp_pk, '')}"])
    logger.info("stamp %s deleted; %s objects scheduled for removal", stamp_pk, len(keys))


# --- uploads ---------------------------------------------------------------------------------
def _invalidate_outputs(stamp: Stamp) -> list[str]:
    """New content makes the packaged outputs stale: drop them and return the stamp to draft."""
    keys = replace_rows(stamp, DERIVED_ROLES)
    if stamp.conversion_status in (Stamp.Status.COMPLETED, Stamp.Status.FAILED):
        stamp.conversion_status = Stamp.Status.DRAFT
        stamp.failure_reason = ""
        stamp.file_size_bytes = 0
        stamp.completed_at = None
    return keys


def _store_then_record(key: str, fileobj, content_type: str, record):
    """Put the object, then run ``record(stored)`` in a transaction; remove the object if that fails."""
    stored = object_storage.put(key, fileobj, content_type)
    with removed_on_failure([stored.key]), transaction.atomic():
        return record(stored)


def attach_audio(
    user, stamp_id, uploaded, *, declared_format: str | None = None, declared_duration: float | None = None
) -> StampFile:
    """Accept an audio upload by its content; it replaces the stamp's previous recording."""
    stamp = selectors.stamp_for_user(user, stamp_id)
    _refuse_while_processing(stamp)
    limits = AudioLimits(settings.STAMPS_MAX_AUDIO_BYTES, settings.STAMPS_MAX_AUDIO_SECONDS, AUDIO_FORMATS)
    with audio_intake(uploaded, limits, storage_prefix(stamp.pk, "audio"), field="audio_file") as accepted:
        item = _record_audio(user, stamp, accepted, declared_format, declared_duration)
    logger.info("stamp %s: audio %s stored (%s bytes, %.3f s)", stamp.pk, item.filename, item.size, item.duration)
    return item


@transaction.atomic
def _record_audio(user, stamp: Stamp, accepted: StoredAudio, declared_format, declared_duration) -> StampFile:
    info, stored = accepted.info, accepted.stored
    if declared_format and declared_format != info.format and {declared_format, info.format} != {"m4a", "aac"}:
        raise invalid({"format": [f"The file is {info.format} audio, not {declared_format}."]})
    locked = selectors.stamp_for_user(user, stamp.pk, for_update=True)
    _refuse_while_processing(locked)
    stale = replace_rows(locked, [StampFile.Role.AUDIO]) + _invalidate_outputs(locked)
    item = StampFile.objects.create(
        stamp=locked,
        role=StampFile.Role.AUDIO,
        key=stored.key,
        filename=filename_of(stored.key),
        content_type=info.content_type,
        size=stored.size,
        sha256=stored.sha256,
        duration=info.duration,
        details={
            "format": info.format,
            "codec": info.codec,
            "sample_rate": info.sample_rate,
            "channels": info.channels,
            "declared_duration": declared_duration,
        },
    )
    bump(locked, ["conversion_status", "failure_reason", "file_size_bytes", "completed_at"])
    schedule_storage_cleanup(stale, subject=f"stamp:{locked.pk}")
    start_auto_thumbnail(locked)
    return item


def attach_image(user, stamp_id, uploaded, *, position: int | None = None) -> StampFile:
    """Accept an image by its content, re-encoded without metadata; ``position`` orders images."""
    stamp = selectors.stamp_for_user(user, stamp_id)
    _refuse_while_processing(stamp)
    if uploaded.size > settings.STAMPS_MAX_IMAGE_BYTES:
        raise DomainError(
            "too_large",
            f"The image may be at most {settings.STAMPS_MAX_IMAGE_BYTES} bytes.",
            fields={"image_file": ["The image file is too large."]},
        )
    try:
        uploaded.seek(0)
        clean = images.clean(uploaded)
    except MediaError as exc:
        raise invalid({"image_file": [str(exc)]}) from None
    key = new_key(storage_prefix(stamp.pk, "images"), clean.extension)

    def record(stored):
        locked = selectors.stamp_for_user(user, stamp.pk, for_update=True)
        _refuse_while_processing(locked)
        stale = _replace_rows_at(locked, position) if position is not None else []
        existing = StampFile.objects.filter(stamp=locked, role=StampFile.Role.IMAGE)
        if existing.count() >= settings.STAMPS_MAX_IMAGES:
            raise invalid({"image_file": [f"A VoiceStamp has at most {settings.STAMPS_MAX_IMAGES} images."]})
        if position is not None:
            slot = position
        else:
            last = existing.order_by("-position").values_list("position", flat=True).first()
            slot = 0 if last is None else last + 1
        stale += _invalidate_outputs(locked)
        item = StampFile.objects.create(
            stamp=locked,
            role=StampFile.Role.IMAGE,
            key=stored.key,
            filename=filename_of(stored.key),
            content_type=clean.content_type,
            size=stored.size,
            sha256=stored.sha256,
            width=clean.width,
            height=clean.height,
            position=slot,
            details={"format": clean.format.lower()},
        )
        bump(locked, ["conversion_status", "failure_reason", "file_size_bytes", "completed_at"])
        schedule_storage_cleanup(stale, subject=f"stamp:{locked.pk}")
        start_auto_thumbnail(locked)
        return item

    item = _store_then_record(key, io.BytesIO(clean.data), clean.content_type, record)
    logger.info("stamp %s: image %s stored at position %s", stamp.pk, item.filename, item.position)
    return item


def _replace_rows_at(stamp: Stamp, position: int) -> list[str]:
    rows = StampFile.objects.filter(stamp=stamp, role=StampFile.Role.IMAGE, position=position)
    keys = list(rows.values_list("key", flat=True))
    rows.delete()
    return keys


# --- manifest, drawings, texts -----------------------------------------------------------------
