"""The objects a stamp owns in storage: where their keys live, replacing their rows, and the
recording's waveform peaks (computed once, kept with the row)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.core.cache import cache

from core.media import MediaError, waveform
from core.storage import object_storage

from .models import Stamp, StampFile

logger = logging.getLogger(__name__)

PEAK_BUCKETS = 1000


def storage_prefix(stamp_id: int, folder: str) -> str:
    """Every object of a stamp lives under its prefix, so deleting the stamp can sweep it."""
    return f"stamps/{stamp_id}/{folder}"


def filename_of(key: str) -> str:
    """The public file name of a stored object: the last part of its generated key."""
    return key.rsplit("/", 1)[-1]


def replace_rows(stamp: Stamp, roles) -> list[str]:
    """Delete the stamp's rows of ``roles``; return their keys for cleanup after commit."""
    rows = StampFile.objects.filter(stamp=stamp, role__in=list(roles))
    keys = list(rows.values_list("key", flat=True))
    rows.delete()
    return keys


def peaks_for(audio_file: StampFile, local_path: Path | None = None) -> list[float]:
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
        return peaks_for(audio_file)
    except (MediaError, FileNotFoundError):
        logger.warning("stamp file %s: no waveform peaks, the recording could not be decoded", audio_file.pk)
        return None
    finally:
        cache.delete(lock)
