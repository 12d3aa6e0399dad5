"""Uploaded files as paths, and the one intake check every audio upload goes through.

Audio is refused by size before it is copied anywhere, then by content and duration before
anything is stored: a 7 MB FLAC can hold ten hours of silence, and every later transcode of it
would tie up a worker. ``audio.probe`` takes the longer of the header's duration and the
packets' (a header can lie), and as a second line every ffmpeg decode stops at
``AUDIO_MAX_DECODE_SECONDS`` whatever the file claims.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from core.errors import DomainError
from core.media import MediaError, audio

_CHUNK = 1024 * 1024


@contextmanager
def local_upload_path(upload, max_bytes: int | None = None) -> Iterator[Path]:
    """A filesystem path holding the upload's bytes while the block runs.

    Django already spools large uploads to a temporary file, which is used as it is; uploads it
    kept in memory, and other streams (a stored object being checked), are copied to a temporary
    file that is removed afterwards: at most ``max_bytes + 1`` bytes, so an oversized stream is
    seen as too large without being copied whole.
    """
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    with tempfile.NamedTemporaryFile(prefix="upload-") as copy:
        if getattr(upload, "seekable", lambda: True)():
            upload.seek(0)
        if max_bytes is None:
            shutil.copyfileobj(upload, copy, _CHUNK)
        else:
            remaining = max_bytes + 1
            while remaining > 0 and (data := upload.read(min(_CHUNK, remaining))):
                copy.write(data)
                remaining -= len(data)
        copy.flush()
        yield Path(copy.name)


@dataclass(frozen=True)
class AudioLimits:
    """What one intake accepts: bytes, seconds (as ffprobe measures them) and formats (our names)."""

    max_bytes: int
    max_seconds: float
    formats: frozenset[str]


class AudioRejected(Exception):
    """Audio refused at intake. ``reason`` is ``too_large``, ``too_long`` or ``unreadable``;
    the message is safe to show the client."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message

    def domain_error(self, field: str | None = None, *, code: str = "") -> DomainError:
        """The domain's error: ``too_large`` for too many bytes, else ``invalid`` naming ``field``
        (without a field, an ``invalid`` error each API words as a bad request)."""
        fields = {field: [self.message]} if field else None
        if self.reason == "too_large":
            return DomainError("too_large", self.message, fields=fields)
        return DomainError("invalid", self.message, code=code, fields=fields)


@contextmanager
def accepted_audio(upload, limits: AudioLimits) -> Iterator[tuple[Path, audio.AudioInfo]]:
    """Yield ``(path, info)`` for audio within ``limits``; raise AudioRejected otherwise.

    The size is checked before the bytes are copied, the content and duration before the block
    (which stores the audio) runs, so a refused upload leaves nothing behind."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > limits.max_bytes:
        raise _too_large(limits)
    with local_upload_path(upload, limits.max_bytes) as path:
        if path.stat().st_size > limits.max_bytes:
            raise _too_large(limits)
        try:
            info = audio.probe(path, set(limits.formats))
        except MediaError as exc:
            raise AudioRejected("unreadable", str(exc)) from None
        if info.duration > limits.max_seconds:
            raise AudioRejected(
                "too_long",
                f"The audio is {info.duration:.0f} seconds long; at most {limits.max_seconds:g} seconds are accepted.",
            )
        yield path, info


def _too_large(limits: AudioLimits) -> AudioRejected:
    return AudioRejected("too_large", f"The audio file may be at most {limits.max_bytes} bytes.")
