"""Uploaded files as paths, and the one audio intake every audio upload goes through.

``audio_intake`` is the whole sequence: size cap, probe, store, then the caller's block records
the object, and the object is removed again if the block does not complete. Audio is refused by
size before it is copied anywhere, then by content and duration before anything is stored: a
7 MB FLAC can hold ten hours of silence, and every later transcode of it would tie up a worker.
``audio.probe`` takes the longer of the header's duration and the packets' (a header can lie),
and as a second line every ffmpeg decode stops at ``AUDIO_MAX_DECODE_SECONDS`` whatever the
file claims.

A refusal is one error, ``AudioRejected``, a DomainError raised the same way for every caller:
each API dialect words it through its ``domain_codes`` and the admin shows its message.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from core.errors import AUDIO_TOO_LARGE, AUDIO_TOO_LONG, AUDIO_UNREADABLE, DomainError
from core.media import MediaError, audio
from core.storage import StoredObject, new_key, object_storage, removed_on_failure

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


_CODE_OF_REASON = {"too_large": AUDIO_TOO_LARGE, "too_long": AUDIO_TOO_LONG, "unreadable": AUDIO_UNREADABLE}


class AudioRejected(DomainError):
    """Audio refused at intake. ``reason`` is ``too_large`` (kind ``too_large``), ``too_long`` or
    ``unreadable`` (kind ``invalid``), each with its own code; the message is safe to show the
    client. ``field`` is the form field the audio came in (None where the API names none);
    ``name``, ``size`` and ``max_bytes`` let an API whose spec says so word the refusal its way."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        field: str | None = None,
        name: str = "",
        size: int | None = None,
        max_bytes: int | None = None,
    ):
        super().__init__(
            "too_large" if reason == "too_large" else "invalid", message, code=_CODE_OF_REASON[reason], field=field
        )
        self.reason = reason
        self.field = field
        self.name = name
        self.size = size
        self.max_bytes = max_bytes


@dataclass(frozen=True)
class StoredAudio:
    """Audio accepted and stored: the object (key, size, sha256, content type) and what ffprobe measured."""

    stored: StoredObject
    info: audio.AudioInfo

    @property
    def key(self) -> str:
        return self.stored.key


@contextmanager
def audio_intake(upload, limits: AudioLimits, key_prefix: str, *, field: str | None = None) -> Iterator[StoredAudio]:
    """The audio intake: check ``upload`` against ``limits`` (AudioRejected naming ``field``
    otherwise), store it under a fresh key below ``key_prefix`` and yield it to the block, which
    records it. If the block does not complete, the stored object is removed again."""
    with accepted_audio(upload, limits, field=field) as (path, info), path.open("rb") as stream:
        stored = object_storage.put(new_key(key_prefix, info.format), stream, info.content_type)
    with removed_on_failure([stored.key]):
        yield StoredAudio(stored, info)


@contextmanager
def accepted_audio(upload, limits: AudioLimits, *, field: str | None = None) -> Iterator[tuple[Path, audio.AudioInfo]]:
    """Yield ``(path, info)`` for audio within ``limits``; raise AudioRejected otherwise.

    The size is checked before the bytes are copied, the content and duration before the block
    runs, so a refused upload leaves nothing behind. ``audio_intake`` stores in the block; a
    check of an object already stored (a gallery sample uploaded through a slot) only reads."""

    def rejected(reason: str, message: str, size: int | None) -> AudioRejected:
        return AudioRejected(
            reason, message, field=field, name=getattr(upload, "name", "") or "", size=size, max_bytes=limits.max_bytes
        )

    size = getattr(upload, "size", None)
    too_large = f"The audio file may be at most {limits.max_bytes} bytes."
    if isinstance(size, int) and size > limits.max_bytes:
        raise rejected("too_large", too_large, size)
    with local_upload_path(upload, limits.max_bytes) as path:
        copied = path.stat().st_size
        if copied > limits.max_bytes:
            raise rejected("too_large", too_large, size if isinstance(size, int) else copied)
        try:
            info = audio.probe(path, set(limits.formats))
        except MediaError as exc:
            raise rejected("unreadable", str(exc), copied) from None
        if info.duration > limits.max_seconds:
            raise rejected(
                "too_long",
                f"The audio is {info.duration:.0f} seconds long; at most {limits.max_seconds:g} seconds are accepted.",
                copied,
            )
        yield path, info
