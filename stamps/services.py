"""Writes for VoiceStamps: each public function is one transaction.

Stored objects are written before the row that names them and deleted if that
row cannot be written; objects of deleted rows are removed after commit by
``core.services.schedule_storage_cleanup``. Jobs (packaging, thumbnails,
transcription) are started here and run here, called by tasks.py.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core import jobs
from core.errors import DomainError, invalid
from core.media import MediaError, asr, audio, images, translation, waveform
from core.models import Job
from core.services import schedule_storage_cleanup
from core.storage import new_key, object_storage, removed_on_failure
from core.uploads import AudioLimits, StoredAudio, audio_intake

from . import manifest as manifest_doc
from . import selectors, sharing_selectors, thumbnails, vst
from .models import Stamp, StampFile

logger = logging.getLogger(__name__)

AUDIO_FORMATS = {"mp3", "wav", "ogg", "m4a", "aac", "flac", "webm"}
PEAK_BUCKETS = 1000
DERIVED_ROLES = (StampFile.Role.AUDIO_AAC, StampFile.Role.AUDIO_OPUS, StampFile.Role.WAVEFORM,
                 StampFile.Role.MANIFEST, StampFile.Role.PACKAGE)
DELIVERY_FORMATS = {
    StampFile.Role.AUDIO_AAC: (".m4a", "audio/mp4", 44100, ["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart",
                                                             "-f", "mp4"]),
    StampFile.Role.AUDIO_OPUS: (".opus", "audio/ogg", 48000, ["-c:a", "libopus", "-b:a", "64k", "-f", "ogg"]),
}


def _prefix(stamp_id: int, folder: str) -> str:
    return f"stamps/{stamp_id}/{folder}"


def _filename_of(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def _bump(stamp: Stamp, fields: list[str]) -> None:
    stamp.manifest_version += 1
    stamp.save(update_fields=[*fields, "manifest_version", "updated_at"])


def _notes_of(voice_tags: list[dict]) -> str:
    return "\n".join(str(tag.get("note") or "") for tag in voice_tags)


# --- limits the stamp's own media put on voice tags, timestamps and drawings -------------
@dataclass(frozen=True)
class Limits:
    duration: float | None
    width: int | None
    height: int | None


def limits_of(stamp: Stamp) -> Limits:
    audio_file = selectors.current_file(stamp, StampFile.Role.AUDIO)
    first_image = next(iter(selectors.images_of(stamp)), None)
    return Limits(
        duration=audio_file.duration if audio_file else None,
        width=first_image.width if first_image else None,
        height=first_image.height if first_image else None,
    )


def check_voice_tags(voice_tags: list[dict], limits: Limits, field: str = "voice_tags") -> None:
    """Timestamps within the measured duration, coordinates within the first image, once known."""
    errors: dict[str, list[str]] = {}
    for index, tag in enumerate(voice_tags):
        if limits.duration is not None and tag["timestamp"] > limits.duration:
            errors[f"{field}.{index}.timestamp"] = [
                f"The timestamp must be within the audio's duration ({limits.duration} s)."
            ]
        if limits.width is not None and tag.get("x") is not None and tag["x"] > limits.width:
            errors[f"{field}.{index}.x"] = [f"x must be within the image's width ({limits.width} px)."]
        if limits.height is not None and tag.get("y") is not None and tag["y"] > limits.height:
            errors[f"{field}.{index}.y"] = [f"y must be within the image's height ({limits.height} px)."]
    if errors:
        raise invalid(errors)


def check_timestamps(timestamps: list[dict], limits: Limits) -> None:
    errors = {
        f"timestamps.{index}.time": [f"The time must be within the audio's duration ({limits.duration} s)."]
        for index, item in enumerate(timestamps)
        if limits.duration is not None and item["time"] > limits.duration
    }
    if errors:
        raise invalid(errors)


def _refuse_while_processing(stamp: Stamp) -> None:
    if stamp.conversion_status == Stamp.Status.PROCESSING:
        raise DomainError("conflict", "The VoiceStamp is being packaged; try again when it has finished.")


# --- stamps --------------------------------------------------------------------------------
@transaction.atomic
def create_stamp(*, owner, title: str, description: str | None = None, voice_tags=None, metadata=None,
                 voice_note_id: str | None = None) -> Stamp:
    voice_tags = voice_tags or []
    stamp = Stamp.objects.create(
        owner=owner, title=title, description=description, voice_tags=voice_tags,
        voice_tag_notes=_notes_of(voice_tags), metadata=metadata or {}, voice_note_id=voice_note_id,
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
        stamp.voice_tag_notes = _notes_of(stamp.voice_tags)
        fields += ["voice_tags", "voice_tag_notes"]
    for name in ("title", "description", "metadata", "voice_note_id"):
        if name in changes:
            setattr(stamp, name, changes[name])
            fields.append(name)
    if fields:
        _bump(stamp, fields)
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
    schedule_storage_cleanup(keys, subject=f"stamp:{stamp_pk}", prefixes=[f"{_prefix(stamp_pk, '')}"])
    logger.info("stamp %s deleted; %s objects scheduled for removal", stamp_pk, len(keys))


# --- uploads ---------------------------------------------------------------------------------
def _replace_rows(stamp: Stamp, roles) -> list[str]:
    """Delete the stamp's rows of ``roles``; return their keys for cleanup after commit."""
    rows = StampFile.objects.filter(stamp=stamp, role__in=list(roles))
    keys = list(rows.values_list("key", flat=True))
    rows.delete()
    return keys


def _invalidate_outputs(stamp: Stamp) -> list[str]:
    """New content makes the packaged outputs stale: drop them and return the stamp to draft."""
    keys = _replace_rows(stamp, DERIVED_ROLES)
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


def attach_audio(user, stamp_id, uploaded, *, declared_format: str | None = None,
                 declared_duration: float | None = None) -> StampFile:
    """Accept an audio upload by its content; it replaces the stamp's previous recording."""
    stamp = selectors.stamp_for_user(user, stamp_id)
    _refuse_while_processing(stamp)
    limits = AudioLimits(settings.STAMPS_MAX_AUDIO_BYTES, settings.STAMPS_MAX_AUDIO_SECONDS, AUDIO_FORMATS)
    with audio_intake(uploaded, limits, _prefix(stamp.pk, "audio"), field="audio_file") as accepted:
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
    stale = _replace_rows(locked, [StampFile.Role.AUDIO]) + _invalidate_outputs(locked)
    item = StampFile.objects.create(
        stamp=locked, role=StampFile.Role.AUDIO, key=stored.key, filename=_filename_of(stored.key),
        content_type=info.content_type, size=stored.size, sha256=stored.sha256, duration=info.duration,
        details={"format": info.format, "codec": info.codec, "sample_rate": info.sample_rate,
                 "channels": info.channels, "declared_duration": declared_duration},
    )
    _bump(locked, ["conversion_status", "failure_reason", "file_size_bytes", "completed_at"])
    schedule_storage_cleanup(stale, subject=f"stamp:{locked.pk}")
    _start_auto_thumbnail(locked)
    return item


def attach_image(user, stamp_id, uploaded, *, position: int | None = None) -> StampFile:
    """Accept an image by its content, re-encoded without metadata; ``position`` orders images."""
    stamp = selectors.stamp_for_user(user, stamp_id)
    _refuse_while_processing(stamp)
    if uploaded.size > settings.STAMPS_MAX_IMAGE_BYTES:
        raise DomainError("too_large", f"The image may be at most {settings.STAMPS_MAX_IMAGE_BYTES} bytes.",
                       fields={"image_file": ["The image file is too large."]})
    try:
        uploaded.seek(0)
        clean = images.clean(uploaded)
    except MediaError as exc:
        raise invalid({"image_file": [str(exc)]}) from None
    key = new_key(_prefix(stamp.pk, "images"), clean.extension)

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
            stamp=locked, role=StampFile.Role.IMAGE, key=stored.key, filename=_filename_of(stored.key),
            content_type=clean.content_type, size=stored.size, sha256=stored.sha256, width=clean.width,
            height=clean.height, position=slot, details={"format": clean.format.lower()},
        )
        _bump(locked, ["conversion_status", "failure_reason", "file_size_bytes", "completed_at"])
        schedule_storage_cleanup(stale, subject=f"stamp:{locked.pk}")
        _start_auto_thumbnail(locked)
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
@transaction.atomic
def update_manifest(user, stamp_id, *, changes: dict, expected_version: int | None = None) -> Stamp:
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    if expected_version is not None and expected_version != stamp.manifest_version:
        raise DomainError("conflict", (
            f"The manifest changed (version {stamp.manifest_version}); reload it and apply your change again."))
    limits = limits_of(stamp)
    fields = []
    if "voice_tags" in changes:
        check_voice_tags(changes["voice_tags"], limits)
        stamp.voice_tags = changes["voice_tags"]
        stamp.voice_tag_notes = _notes_of(stamp.voice_tags)
        fields += ["voice_tags", "voice_tag_notes"]
    if "timestamps" in changes:
        check_timestamps(changes["timestamps"], limits)
        stamp.timestamps = changes["timestamps"]
        fields.append("timestamps")
    if "metadata" in changes:
        stamp.metadata = changes["metadata"]
        fields.append("metadata")
    _bump(stamp, fields)
    return stamp


@transaction.atomic
def add_drawing(user, stamp_id, *, strokes: list[dict], coordinates: dict | None, timestamp: float | None) -> dict:
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    limits = limits_of(stamp)
    frame = coordinates or ({"width": limits.width, "height": limits.height} if limits.width else None)
    if frame is None:
        raise invalid({"coordinates": ["Give the drawing's frame (width, height) or upload an image first."]})
    errors = {}
    for index, stroke in enumerate(strokes):
        if any(x > frame["width"] or y > frame["height"] for x, y in stroke["points"]):
            errors[f"drawing_data.{index}.points"] = [
                f"Every point must lie within the frame ({frame['width']}x{frame['height']})."
            ]
    if timestamp is not None and limits.duration is not None and timestamp > limits.duration:
        errors["timestamp"] = [f"The timestamp must be within the audio's duration ({limits.duration} s)."]
    if len(stamp.drawings) >= 100:
        errors["drawing_data"] = ["A VoiceStamp has at most 100 drawings."]
    if errors:
        raise invalid(errors)
    drawing = {"id": uuid.uuid4().hex, "strokes": strokes, "coordinates": frame, "timestamp": timestamp,
               "created_at": timezone.now().isoformat()}
    stamp.drawings = [*stamp.drawings, drawing]
    _bump(stamp, ["drawings"])
    return drawing


@transaction.atomic
def add_text(user, stamp_id, *, text_content: str, text_type: str) -> dict:
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    if len(stamp.texts) >= 100:
        raise invalid({"text_content": ["A VoiceStamp has at most 100 texts."]})
    text = {"id": uuid.uuid4().hex, "type": text_type, "text_content": text_content,
            "created_at": timezone.now().isoformat()}
    stamp.texts = [*stamp.texts, text]
    fields = ["texts"]
    if text_type == "transcription":
        stamp.transcription = {"text": text_content, "source": "upload", "language": None, "confidence": None,
                               "segments": [], "created_at": text["created_at"]}
        fields.append("transcription")
    _bump(stamp, fields)
    return text


def manifest_of(stamp: Stamp) -> dict:
    return manifest_doc.build(stamp, selectors.files_of(stamp))


# --- packaging and conversion (one job) --------------------------------------------------------
PACKAGE_TASK = "stamps.package_stamp"


@transaction.atomic
def complete_package(user, stamp_id, *, voice_tags: list[dict] | None = None) -> Stamp:
    """Finalise the stamp and start packaging; while it is processing, a second call starts nothing."""
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    if stamp.conversion_status == Stamp.Status.PROCESSING:
        return stamp
    if voice_tags is not None:
        stamp.voice_tags = voice_tags
        stamp.voice_tag_notes = _notes_of(voice_tags)
        _bump(stamp, ["voice_tags", "voice_tag_notes"])
    elif stamp.conversion_status == Stamp.Status.COMPLETED:
        return stamp
    return _start_packaging(stamp)


@transaction.atomic
def start_conversion(user, stamp_id) -> Stamp:
    """Run the conversion job (again); while one is processing, return it instead of starting another."""
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    if stamp.conversion_status == Stamp.Status.PROCESSING:
        return stamp
    return _start_packaging(stamp)


def check_ready_to_package(stamp: Stamp) -> None:
    """What the package will carry fits the audio it ships with: voice tags, manifest timestamps and
    drawings no later than its duration (times set before the audio was uploaded or replaced by a
    shorter one are caught here), voice tags within the first image. 422 names every offending item."""
    limits = limits_of(stamp)
    timed = {"voice_tags": stamp.voice_tags, "timestamps": stamp.timestamps, "drawings": stamp.drawings}
    errors = {place: [reason] for place, reason in vst.times_past_the_end(timed, limits.duration).items()}
    try:
        check_voice_tags(stamp.voice_tags, Limits(duration=None, width=limits.width, height=limits.height))
    except DomainError as exc:
        errors.update(exc.fields or {})
    if errors:
        raise invalid(errors)


def _start_packaging(stamp: Stamp) -> Stamp:
    if not StampFile.objects.filter(stamp=stamp, role=StampFile.Role.AUDIO).exists():
        raise invalid({"audio_file": ["Upload an audio file before completing the package."]})
    check_ready_to_package(stamp)
    stamp.package_job = jobs.start_job("stamps.package", PACKAGE_TASK, subject=f"stamp:{stamp.pk}",
                                       payload={"stamp_id": stamp.pk}, owner=stamp.owner)
    stamp.conversion_status = Stamp.Status.PROCESSING
    stamp.failure_reason = ""
    stamp.save(update_fields=["package_job", "conversion_status", "failure_reason", "updated_at"])
    logger.info("stamp %s: packaging job %s started", stamp.pk, stamp.package_job_id)
    return stamp


def start_packaging_for_admin(stamp: Stamp) -> bool:
    """Re-run packaging from the admin; False when the stamp is processing or has no audio."""
    with transaction.atomic():
        locked = Stamp.objects.select_for_update().get(pk=stamp.pk)
        if locked.conversion_status == Stamp.Status.PROCESSING:
            return False
        try:
            _start_packaging(locked)
        except DomainError:
            return False
    return True


def _peaks_for(audio_file: StampFile, local_path: Path | None = None) -> list[float]:
    """The recording's peaks, computed once and kept with its row."""
    cached = audio_file.details.get("peaks")
    if cached:
        return cached
    with tempfile.TemporaryDirectory(prefix="stamp-peaks-") as tmp:
        path = local_path or object_storage.download(audio_file.key, Path(tmp) / "audio")
        computed = waveform.peaks(path, buckets=PEAK_BUCKETS)
    details = {**audio_file.details, "peaks": computed}
    StampFile.objects.filter(pk=audio_file.pk).update(details=details)
    audio_file.details = details
    return computed


# While one request computes a recording's peaks, others do not start the same work (seconds).
PEAKS_LOCK_SECONDS = 300


def recording_peaks(audio_file: StampFile) -> list[float] | None:
    """The recording's waveform peaks for a player: computed the first time, kept with the row after.

    The upload's thumbnail job and the packaging job compute them too, so a page rarely has to.
    None when the recording cannot be read, or while another request is computing them (the
    player then shows a flat waveform)."""
    cached = audio_file.details.get("peaks")
    if cached:
        return cached
    lock = f"stamps:peaks:{audio_file.pk}"
    if not cache.add(lock, 1, timeout=PEAKS_LOCK_SECONDS):
        return None
    try:
        return _peaks_for(audio_file)
    except (MediaError, FileNotFoundError):
        logger.warning("stamp file %s: no waveform peaks, the recording could not be decoded", audio_file.pk)
        return None
    finally:
        cache.delete(lock)


def run_packaging(job_id) -> None:
    """The conversion job: delivery audio, waveform, thumbnail, manifest and the .vst package."""
    jobs.run_job(job_id, _packaging_work, on_failure=_packaging_failed)


def _packaging_failed(job: Job, reason: str) -> None:
    Stamp.objects.filter(package_job=job).update(conversion_status=Stamp.Status.FAILED, failure_reason=reason,
                                                 updated_at=timezone.now())
    logger.warning("stamp packaging job %s failed: %s", job.pk, reason)


def _packaging_work(ctx: jobs.JobContext) -> None:
    stamp_id = ctx.job.payload["stamp_id"]
    # Under the stamp's prefix (its deletion takes them); core.jobs removes them unless recorded.
    outputs_prefix = ctx.output_prefix(_prefix(stamp_id, ""))
    stamp = Stamp.objects.filter(pk=stamp_id).first()
    if stamp is None:
        raise jobs.JobFailed("The VoiceStamp was deleted.")
    files = list(stamp.files.all())
    audio_file = next((f for f in files if f.role == StampFile.Role.AUDIO), None)
    if audio_file is None:
        raise jobs.JobFailed("The VoiceStamp has no audio.")
    created: list[StampFile] = []
    with tempfile.TemporaryDirectory(prefix=f"stamp-{stamp_id}-") as tmp:
        tmp = Path(tmp)
        try:
            source = object_storage.download(audio_file.key, tmp / f"source.{audio_file.details.get('format', 'bin')}")
        except FileNotFoundError:
            raise jobs.JobFailed("The audio file is missing from storage.") from None
        # The package is made from a snapshot of the inputs taken now: a thumbnail or image
        # replaced meanwhile (its old object deleted) cannot break it.
        snapshot = {audio_file.key: source}
        for input_file in [f for f in files if f.role in (StampFile.Role.IMAGE, StampFile.Role.THUMBNAIL)]:
            try:
                snapshot[input_file.key] = object_storage.download(input_file.key, tmp / f"input-{input_file.pk}")
            except FileNotFoundError:
                if input_file.role == StampFile.Role.IMAGE:
                    raise jobs.JobFailed("An image of the VoiceStamp is missing from storage.") from None
                files.remove(input_file)  # replaced meanwhile: this job renders its own
        ctx.progress(5)
        for step, (role, (extension, content_type, sample_rate, codec_args)) in enumerate(
                DELIVERY_FORMATS.items()):
            target = tmp / f"{role}{extension}"
            try:
                loudness = audio.normalise_loudness(source, target, target_lufs=settings.STAMPS_LOUDNESS_LUFS,
                                                    sample_rate=sample_rate, encode_args=codec_args)
                info = audio.probe(target)
            except MediaError as exc:
                raise jobs.JobFailed(str(exc)) from None
            created.append(_new_file(stamp, role, target, content_type, extension, duration=info.duration,
                                     details={"codec": info.codec, **loudness.delivered.as_details(),
                                              "sample_rate": info.sample_rate}, prefix=outputs_prefix))
            ctx.progress(5 + 30 * (step + 1))
        try:
            peaks = _peaks_for(audio_file, source)
        except MediaError as exc:
            raise jobs.JobFailed(str(exc)) from None
        waveform_path = tmp / "waveform.json"
        waveform_path.write_text(json.dumps({"version": 1, "duration": audio_file.duration, "buckets": len(peaks),
                                             "peaks": peaks}))
        created.append(_new_file(stamp, StampFile.Role.WAVEFORM, waveform_path, "application/json", ".json",
                                 prefix=outputs_prefix))
        ctx.progress(70)
        thumbnail = next((f for f in files if f.role == StampFile.Role.THUMBNAIL), None)
        if thumbnail is None:
            thumbnail = _render_thumbnail_file(stamp, files, "auto", None, auto=True, prefix=outputs_prefix)
            created.append(thumbnail)
        ctx.progress(75)
        packaged = [f for f in files if f.role in (StampFile.Role.AUDIO, StampFile.Role.IMAGE)]
        packaged += [f for f in created] + ([thumbnail] if thumbnail not in created else [])
        stamp.refresh_from_db()
        document = manifest_doc.build(stamp, packaged, for_package=True)
        manifest_path = tmp / "manifest.json"
        manifest_path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
        created.append(_new_file(stamp, StampFile.Role.MANIFEST, manifest_path, "application/json", ".json",
                                 prefix=outputs_prefix))
        package_path = tmp / "package.vst"
        entries = [vst.PackageEntry(manifest_doc.package_path_for(f), f.key, f.size, f.sha256) for f in packaged]
        with open(package_path, "wb") as sink:
            try:
                vst.write_package(sink, document, entries,
                                  lambda key: open(snapshot[key], "rb") if key in snapshot else object_storage.open(key),
                                  progress=lambda done: ctx.progress(75 + int(done * 20)))
            except vst.ChecksumMismatch as exc:
                raise jobs.JobFailed(f"A stored file is damaged: {exc}.") from None
        package = _new_file(stamp, StampFile.Role.PACKAGE, package_path, "application/vnd.voicestamp.vst+zip",
                            ".vst", prefix=outputs_prefix)
        created.append(package)
    _record_package(stamp_id, ctx, created)


def _new_file(stamp: Stamp, role: str, path: Path, content_type: str, extension: str, *, prefix: str,
              **fields) -> StampFile:
    """Store a produced file under ``prefix``; the row is saved later, with the others, in one transaction."""
    with open(path, "rb") as handle:
        stored = object_storage.put(new_key(prefix, extension), handle, content_type)
    return StampFile(stamp=stamp, role=role, key=stored.key, filename=_filename_of(stored.key),
                     content_type=content_type, size=stored.size, sha256=stored.sha256, **fields)


def _record_package(stamp_id: int, ctx: jobs.JobContext, created: list[StampFile]) -> None:
    job = ctx.job
    with ctx.writing_results():
        stamp = Stamp.objects.select_for_update().filter(pk=stamp_id).first()
        if stamp is None or stamp.package_job_id != job.pk:
            # Deleted, or superseded by newer content, while we worked: our outputs belong to no one.
            raise jobs.JobFailed("The VoiceStamp changed while it was being packaged.")
        roles = {f.role for f in created}
        if StampFile.Role.THUMBNAIL in roles and stamp.files.filter(role=StampFile.Role.THUMBNAIL).exists():
            # A thumbnail made meanwhile (upload or generate) wins over ours.
            extra = next(f for f in created if f.role == StampFile.Role.THUMBNAIL)
            created.remove(extra)
            transaction.on_commit(lambda key=extra.key: object_storage.delete(key))
            roles.discard(StampFile.Role.THUMBNAIL)
        stale = _replace_rows(stamp, roles)
        StampFile.objects.bulk_create(created)
        package = next(f for f in created if f.role == StampFile.Role.PACKAGE)
        stamp.conversion_status = Stamp.Status.COMPLETED
        stamp.failure_reason = ""
        stamp.file_size_bytes = package.size
        stamp.completed_at = timezone.now()
        stamp.save(update_fields=["conversion_status", "failure_reason", "file_size_bytes", "completed_at",
                                  "updated_at"])
        schedule_storage_cleanup(stale, subject=f"stamp:{stamp.pk}")
    logger.info("stamp %s packaged by job %s (%s bytes)", stamp_id, job.pk, package.size)


# --- thumbnails ---------------------------------------------------------------------------------
THUMBNAIL_TASK = "stamps.make_thumbnail"


def _start_auto_thumbnail(stamp: Stamp, *, force: bool = False) -> None:
    # Counted for the owner but never refused: the upload that asks for it was accepted.
    stamp.thumbnail_job = jobs.start_job("stamps.thumbnail", THUMBNAIL_TASK, subject=f"stamp:{stamp.pk}",
                                         payload={"stamp_id": stamp.pk, "force": force}, owner=stamp.owner,
                                         capped=False)
    stamp.save(update_fields=["thumbnail_job"])


def _playhead(timestamp: float | None, duration: float | None) -> float | None:
    if timestamp is None or not duration:
        return None
    return timestamp / duration


def _render_thumbnail_file(stamp: Stamp, files: list[StampFile], style: str, timestamp: float | None,
                           *, auto: bool, prefix: str | None = None) -> StampFile:
    """Render and store a thumbnail (a job passes its output prefix); the caller saves the row
    (or deletes the object)."""
    audio_file = next((f for f in files if f.role == StampFile.Role.AUDIO), None)
    image_files = sorted((f for f in files if f.role == StampFile.Role.IMAGE), key=lambda f: (f.position, f.pk))
    resolved = thumbnails.resolve_style(style, has_image=bool(image_files), has_audio=audio_file is not None)
    peaks = _peaks_for(audio_file) if resolved in ("waveform", "card") else None
    playhead = _playhead(timestamp, audio_file.duration if audio_file else None)
    if resolved in ("cover", "card"):
        with object_storage.open(image_files[0].key) as handle:
            data = thumbnails.render(resolved, image=handle, peaks=peaks, playhead=playhead)
    else:
        data = thumbnails.render(resolved, image=None, peaks=peaks, playhead=playhead)
    stored = object_storage.put_bytes(new_key(prefix or _prefix(stamp.pk, "thumbnails"), ".jpg"), data, "image/jpeg")
    return StampFile(
        stamp=stamp, role=StampFile.Role.THUMBNAIL, key=stored.key, filename=_filename_of(stored.key),
        content_type="image/jpeg", size=stored.size, sha256=stored.sha256, width=thumbnails.SIZE[0],
        height=thumbnails.SIZE[1],
        details={"style": style, "rendered_style": resolved, "timestamp": timestamp, "auto": auto,
                 "sources": _thumbnail_sources(files)},
    )


def _thumbnail_sources(files: list[StampFile]) -> list[str]:
    return sorted(f.sha256 for f in files if f.role in (StampFile.Role.AUDIO, StampFile.Role.IMAGE))


def _save_thumbnail(stamp_id: int, thumbnail: StampFile, *, only_if_auto: bool,
                    writing: Callable[[], AbstractContextManager] = transaction.atomic) -> StampFile | None:
    """Make ``thumbnail`` the stamp's current one; None (and the object removed) if it lost a race.
    A job passes ``writing=ctx.writing_results`` so that it writes only under its lease."""
    with writing():
        stamp = Stamp.objects.select_for_update().filter(pk=stamp_id).first()
        current = stamp.files.filter(role=StampFile.Role.THUMBNAIL).first() if stamp else None
        if stamp is None or (only_if_auto and current is not None and not current.details.get("auto")):
            transaction.on_commit(lambda: object_storage.delete(thumbnail.key))
            return None
        stale = _replace_rows(stamp, [StampFile.Role.THUMBNAIL])
        thumbnail.save()
        _bump(stamp, [])
        schedule_storage_cleanup(stale, subject=f"stamp:{stamp.pk}")
    return thumbnail


def run_auto_thumbnail(job_id) -> None:
    """After an upload: a thumbnail in the auto style, unless the owner chose one."""

    def work(ctx: jobs.JobContext):
        stamp = Stamp.objects.filter(pk=ctx.job.payload["stamp_id"]).first()
        if stamp is None:
            return
        files = list(stamp.files.all())
        current = next((f for f in files if f.role == StampFile.Role.THUMBNAIL), None)
        if current is not None and not current.details.get("auto"):
            return
        unchanged = current is not None and current.details.get("sources") == _thumbnail_sources(files)
        if unchanged and not ctx.job.payload.get("force"):
            return
        try:
            thumbnail = _render_thumbnail_file(stamp, files, "auto", None, auto=True,
                                               prefix=ctx.output_prefix(_prefix(stamp.pk, "")))
        except (thumbnails.MissingContent, MediaError) as exc:
            raise jobs.JobFailed(str(exc)) from None
        ctx.progress(80)
        _save_thumbnail(stamp.pk, thumbnail, only_if_auto=True, writing=ctx.writing_results)

    jobs.run_job(job_id, work)


def generate_thumbnail(user, stamp_id, *, style: str, timestamp: float | None, force: bool) -> tuple[StampFile, bool]:
    """Render a thumbnail now. An identical one (style, timestamp, sources) is reused unless ``force``.

    Returns the thumbnail and whether it was rendered.
    """
    stamp = selectors.stamp_for_user(user, stamp_id)
    files = selectors.files_of(stamp)
    audio_file = next((f for f in files if f.role == StampFile.Role.AUDIO), None)
    if timestamp is not None and audio_file is not None and timestamp > audio_file.duration:
        raise invalid({"timestamp": [f"The timestamp must be within the audio's duration "
                                             f"({audio_file.duration} s)."]})
    current = next((f for f in files if f.role == StampFile.Role.THUMBNAIL), None)
    if (not force and current is not None and current.details.get("style") == style
            and current.details.get("timestamp") == timestamp
            and current.details.get("sources") == _thumbnail_sources(files)):
        return current, False
    try:
        thumbnail = _render_thumbnail_file(stamp, files, style, timestamp, auto=False)
    except thumbnails.MissingContent as exc:
        raise invalid({"style": [str(exc)]}) from None
    except MediaError as exc:
        raise invalid({"style": [str(exc)]}) from None
    saved = _save_thumbnail(stamp.pk, thumbnail, only_if_auto=False)
    if saved is None:
        raise DomainError("not_found", selectors.STAMP_NOT_FOUND)
    return saved, True


def start_thumbnail_for_admin(stamp: Stamp) -> None:
    """Re-render the automatic thumbnail (a thumbnail the owner chose is kept)."""
    with transaction.atomic():
        _start_auto_thumbnail(stamp, force=True)


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
    stamp.transcription_job = jobs.start_job("stamps.transcribe", TRANSCRIBE_TASK, subject=f"stamp:{stamp.pk}",
                                             payload={"stamp_id": stamp.pk}, owner=user)
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
                {"start": s.start, "end": s.end, "text": s.text, "confidence": s.confidence,
                 "no_speech_probability": s.no_speech_probability,
                 "words": [{"word": w.word, "start": w.start, "end": w.end, "confidence": w.probability}
                           for w in s.words]}
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
            _bump(locked, ["transcription"])
        logger.info("stamp %s transcribed by job %s (%s segments)", stamp.pk, ctx.job.pk, len(result["segments"]))

    jobs.run_job(job_id, work)


# --- translation ------------------------------------------------------------------------------
def translate(user, *, text: str | None, target_language: str, source_language: str | None,
              vst_id=None, text_id: str | None = None) -> tuple[translation.Translation, dict | None]:
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
    entry = {"id": uuid.uuid4().hex, **origin, "source_language": result.source_language,
             "target_language": result.target_language, "text": result.text, "engine": "apertium",
             "created_at": timezone.now().isoformat()}
    with transaction.atomic():
        locked = selectors.stamp_for_user(user, stamp.pk, for_update=True)
        locked.translations = [*locked.translations, entry][-100:]
        _bump(locked, ["translations"])
    return result, entry


def _translate(text: str, target: str, source: str | None) -> translation.Translation:
    try:
        return translation.translate(text, target, source)
    except translation.UnsupportedPair as exc:
        raise DomainError("invalid", fields={"target_language": [str(exc)]},
                       extra={"supported_pairs": translation.supported_pairs()}) from None
    except MediaError as exc:
        raise invalid({"text": [str(exc)]}) from None
