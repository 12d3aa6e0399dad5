"""Writes for thumbnails: the automatic one an upload asks for (a job) and the one an owner generates.

The styles are drawn by ``styles``; a thumbnail is stored before its row, and a thumbnail the owner
chose is never replaced by an automatic one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from django.db import transaction

from core import jobs
from core.errors import DomainError, invalid
from core.media import MediaError
from core.services import schedule_storage_cleanup
from core.storage import new_key, object_storage

from .. import selectors
from ..content import bump
from ..files import filename_of, peaks_for, replace_rows, storage_prefix
from ..models import Stamp, StampFile
from . import styles

THUMBNAIL_TASK = "stamps.make_thumbnail"


def start_auto_thumbnail(stamp: Stamp, *, force: bool = False) -> None:
    # Counted for the owner but never refused: the upload that asks for it was accepted.
    stamp.thumbnail_job = jobs.start_job(
        "stamps.thumbnail",
        THUMBNAIL_TASK,
        subject=f"stamp:{stamp.pk}",
        payload={"stamp_id": stamp.pk, "force": force},
        owner=stamp.owner,
        capped=False,
    )
    stamp.save(update_fields=["thumbnail_job"])


def _playhead(timestamp: float | None, duration: float | None) -> float | None:
    if timestamp is None or not duration:
        return None
    return timestamp / duration


def render_thumbnail_file(
    stamp: Stamp, files: list[StampFile], style: str, timestamp: float | None, *, auto: bool, prefix: str | None = None
) -> StampFile:
    """Render and store a thumbnail (a job passes its output prefix); the caller saves the row
    (or deletes the object)."""
    audio_file = next((f for f in files if f.role == StampFile.Role.AUDIO), None)
    image_files = sorted((f for f in files if f.role == StampFile.Role.IMAGE), key=lambda f: (f.position, f.pk))
    resolved = styles.resolve_style(style, has_image=bool(image_files), has_audio=audio_file is not None)
    peaks = peaks_for(audio_file) if resolved in ("waveform", "card") else None
    playhead = _playhead(timestamp, audio_file.duration if audio_file else None)
    if resolved in ("cover", "card"):
        with object_storage.open(image_files[0].key) as handle:
            data = styles.render(resolved, image=handle, peaks=peaks, playhead=playhead)
    else:
        data = styles.render(resolved, image=None, peaks=peaks, playhead=playhead)
    stored = object_storage.put_bytes(
        new_key(prefix or storage_prefix(stamp.pk, "thumbnails"), ".jpg"), data, "image/jpeg"
    )
    return StampFile(
        stamp=stamp,
        role=StampFile.Role.THUMBNAIL,
        key=stored.key,
        filename=filename_of(stored.key),
        content_type="image/jpeg",
        size=stored.size,
        sha256=stored.sha256,
        width=styles.SIZE[0],
        height=styles.SIZE[1],
        details={
            "style": style,
            "rendered_style": resolved,
            "timestamp": timestamp,
            "auto": auto,
            "sources": _thumbnail_sources(files),
        },
    )


def _thumbnail_sources(files: list[StampFile]) -> list[str]:
    return sorted(f.sha256 for f in files if f.role in (StampFile.Role.AUDIO, StampFile.Role.IMAGE))


def _save_thumbnail(
    stamp_id: int,
    thumbnail: StampFile,
    *,
    only_if_auto: bool,
    writing: Callable[[], AbstractContextManager] = transaction.atomic,
) -> StampFile | None:
    """Make ``thumbnail`` the stamp's current one; None (and the object removed) if it lost a race.
    A job passes ``writing=ctx.writing_results`` so that it writes only under its lease."""
    with writing():
        stamp = Stamp.objects.select_for_update().filter(pk=stamp_id).first()
        current = stamp.files.filter(role=StampFile.Role.THUMBNAIL).first() if stamp else None
        if stamp is None or (only_if_auto and current is not None and not current.details.get("auto")):
            transaction.on_commit(lambda: object_storage.delete(thumbnail.key))
            return None
        stale = replace_rows(stamp, [StampFile.Role.THUMBNAIL])
        thumbnail.save()
        bump(stamp, [])
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
            thumbnail = render_thumbnail_file(
                stamp, files, "auto", None, auto=True, prefix=ctx.output_prefix(storage_prefix(stamp.pk, ""))
            )
        except (styles.MissingContent, MediaError) as exc:
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
        raise invalid({"timestamp": [f"The timestamp must be within the audio's duration ({audio_file.duration} s)."]})
    current = next((f for f in files if f.role == StampFile.Role.THUMBNAIL), None)
    if (
        not force
        and current is not None
        and current.details.get("style") == style
        and current.details.get("timestamp") == timestamp
        and current.details.get("sources") == _thumbnail_sources(files)
    ):
        return current, False
    try:
        thumbnail = render_thumbnail_file(stamp, files, style, timestamp, auto=False)
    except styles.MissingContent as exc:
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
        start_auto_thumbnail(stamp, force=True)
