"""Writes for the manifest and packaging: manifest edits, drawings and texts, and the conversion
job that makes the delivery audio (AAC and Opus, loudness-normalised), the waveform, the thumbnail,
manifest.json and the .vst package (format in docs/vst-format.md).

Each public function is one transaction; the job runs under core.jobs, writes its outputs under a
job-scoped prefix and records them in one transaction, or leaves them to be swept.
"""

from __future__ import annotations

import json
import logging
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import jobs
from core.errors import DomainError, invalid
from core.media import MediaError, audio
from core.models import Job
from core.services import schedule_storage_cleanup
from core.storage import new_key, object_storage

from .. import selectors
from ..content import Limits, bump, check_timestamps, check_voice_tags, limits_of, notes_of
from ..files import filename_of, peaks_for, replace_rows, storage_prefix
from ..models import Stamp, StampFile
from ..thumbnails.services import render_thumbnail_file
from . import manifest as manifest_doc
from . import vst

logger = logging.getLogger(__name__)

DELIVERY_FORMATS = {
    StampFile.Role.AUDIO_AAC: (
        ".m4a",
        "audio/mp4",
        44100,
        ["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4"],
    ),
    StampFile.Role.AUDIO_OPUS: (".opus", "audio/ogg", 48000, ["-c:a", "libopus", "-b:a", "64k", "-f", "ogg"]),
}


@transaction.atomic
def update_manifest(user, stamp_id, *, changes: dict, expected_version: int | None = None) -> Stamp:
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    if expected_version is not None and expected_version != stamp.manifest_version:
        raise DomainError(
            "conflict",
            (f"The manifest changed (version {stamp.manifest_version}); reload it and apply your change again."),
        )
    limits = limits_of(stamp)
    fields = []
    if "voice_tags" in changes:
        check_voice_tags(changes["voice_tags"], limits)
        stamp.voice_tags = changes["voice_tags"]
        stamp.voice_tag_notes = notes_of(stamp.voice_tags)
        fields += ["voice_tags", "voice_tag_notes"]
    if "timestamps" in changes:
        check_timestamps(changes["timestamps"], limits)
        stamp.timestamps = changes["timestamps"]
        fields.append("timestamps")
    if "metadata" in changes:
        stamp.metadata = changes["metadata"]
        fields.append("metadata")
    bump(stamp, fields)
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
    drawing = {
        "id": uuid.uuid4().hex,
        "strokes": strokes,
        "coordinates": frame,
        "timestamp": timestamp,
        "created_at": timezone.now().isoformat(),
    }
    stamp.drawings = [*stamp.drawings, drawing]
    bump(stamp, ["drawings"])
    return drawing


@transaction.atomic
def add_text(user, stamp_id, *, text_content: str, text_type: str) -> dict:
    stamp = selectors.stamp_for_user(user, stamp_id, for_update=True)
    if len(stamp.texts) >= 100:
        raise invalid({"text_content": ["A VoiceStamp has at most 100 texts."]})
    text = {
        "id": uuid.uuid4().hex,
        "type": text_type,
        "text_content": text_content,
        "created_at": timezone.now().isoformat(),
    }
    stamp.texts = [*stamp.texts, text]
    fields = ["texts"]
    if text_type == "transcription":
        stamp.transcription = {
            "text": text_content,
            "source": "upload",
            "language": None,
            "confidence": None,
            "segments": [],
            "created_at": text["created_at"],
        }
        fields.append("transcription")
    bump(stamp, fields)
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
        stamp.voice_tag_notes = notes_of(voice_tags)
        bump(stamp, ["voice_tags", "voice_tag_notes"])
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
    stamp.package_job = jobs.start_job(
        "stamps.package", PACKAGE_TASK, subject=f"stamp:{stamp.pk}", payload={"stamp_id": stamp.pk}, owner=stamp.owner
    )
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


def run_packaging(job_id) -> None:
    """The conversion job: delivery audio, waveform, thumbnail, manifest and the .vst package."""
    jobs.run_job(job_id, _packaging_work, on_failure=_packaging_failed)


def _packaging_failed(job: Job, reason: str) -> None:
    Stamp.objects.filter(package_job=job).update(
        conversion_status=Stamp.Status.FAILED, failure_reason=reason, updated_at=timezone.now()
    )
    logger.warning("stamp packaging job %s failed: %s", job.pk, reason)


def _packaging_work(ctx: jobs.JobContext) -> None:
    stamp_id = ctx.job.payload["stamp_id"]
    # Under the stamp's prefix (its deletion takes them); core.jobs removes them unless recorded.
    outputs_prefix = ctx.output_prefix(storage_prefix(stamp_id, ""))
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
        for step, (role, (extension, content_type, sample_rate, codec_args)) in enumerate(DELIVERY_FORMATS.items()):
            target = tmp / f"{role}{extension}"
            try:
                loudness = audio.normalise_loudness(
                    source,
                    target,
                    target_lufs=settings.STAMPS_LOUDNESS_LUFS,
                    sample_rate=sample_rate,
                    encode_args=codec_args,
                )
                info = audio.probe(target)
            except MediaError as exc:
                raise jobs.JobFailed(str(exc)) from None
            created.append(
                _new_file(
                    stamp,
                    role,
                    target,
                    content_type,
                    extension,
                    duration=info.duration,
                    details={"codec": info.codec, **loudness.delivered.as_details(), "sample_rate": info.sample_rate},
                    prefix=outputs_prefix,
                )
            )
            ctx.progress(5 + 30 * (step + 1))
        try:
            peaks = peaks_for(audio_file, source)
        except MediaError as exc:
            raise jobs.JobFailed(str(exc)) from None
        waveform_path = tmp / "waveform.json"
        waveform_path.write_text(
            json.dumps({"version": 1, "duration": audio_file.duration, "buckets": len(peaks), "peaks": peaks})
        )
        created.append(
            _new_file(stamp, StampFile.Role.WAVEFORM, waveform_path, "application/json", ".json", prefix=outputs_prefix)
        )
        ctx.progress(70)
        thumbnail = next((f for f in files if f.role == StampFile.Role.THUMBNAIL), None)
        if thumbnail is None:
            thumbnail = render_thumbnail_file(stamp, files, "auto", None, auto=True, prefix=outputs_prefix)
            created.append(thumbnail)
        ctx.progress(75)
        packaged = [f for f in files if f.role in (StampFile.Role.AUDIO, StampFile.Role.IMAGE)]
        packaged += [f for f in created] + ([thumbnail] if thumbnail not in created else [])
        stamp.refresh_from_db()
        document = manifest_doc.build(stamp, packaged, for_package=True)
        manifest_path = tmp / "manifest.json"
        manifest_path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
        created.append(
            _new_file(stamp, StampFile.Role.MANIFEST, manifest_path, "application/json", ".json", prefix=outputs_prefix)
        )
        package_path = tmp / "package.vst"
        entries = [vst.PackageEntry(manifest_doc.package_path_for(f), f.key, f.size, f.sha256) for f in packaged]
        with open(package_path, "wb") as sink:
            try:
                vst.write_package(
                    sink,
                    document,
                    entries,
                    lambda key: open(snapshot[key], "rb") if key in snapshot else object_storage.open(key),
                    progress=lambda done: ctx.progress(75 + int(done * 20)),
                )
            except vst.ChecksumMismatch as exc:
                raise jobs.JobFailed(f"A stored file is damaged: {exc}.") from None
        package = _new_file(
            stamp,
            StampFile.Role.PACKAGE,
            package_path,
            "application/vnd.voicestamp.vst+zip",
            ".vst",
            prefix=outputs_prefix,
        )
        created.append(package)
    _record_package(stamp_id, ctx, created)


def _new_file(
    stamp: Stamp, role: str, path: Path, content_type: str, extension: str, *, prefix: str, **fields
) -> StampFile:
    """Store a produced file under ``prefix``; the row is saved later, with the others, in one transaction."""
    with open(path, "rb") as handle:
        stored = object_storage.put(new_key(prefix, extension), handle, content_type)
    return StampFile(
        stamp=stamp,
        role=role,
        key=stored.key,
        filename=filename_of(stored.key),
        content_type=content_type,
        size=stored.size,
        sha256=stored.sha256,
        **fields,
    )


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
        stale = replace_rows(stamp, roles)
        StampFile.objects.bulk_create(created)
        package = next(f for f in created if f.role == StampFile.Role.PACKAGE)
        stamp.conversion_status = Stamp.Status.COMPLETED
        stamp.failure_reason = ""
        stamp.file_size_bytes = package.size
        stamp.completed_at = timezone.now()
        stamp.save(
            update_fields=["conversion_status", "failure_reason", "file_size_bytes", "completed_at", "updated_at"]
        )
        schedule_storage_cleanup(stale, subject=f"stamp:{stamp.pk}")
    logger.info("stamp %s packaged by job %s (%s bytes)", stamp_id, job.pk, package.size)


# --- thumbnails ---------------------------------------------------------------------------------
