"""The gallery's media work: checking MP3 samples by content and rendering TTS speech.

Samples are always read from our own storage by key (or from the uploaded file),
never fetched from a URL a client supplied.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from core.media import MediaError, audio, tts
from core.storage import CHUNK_SIZE, object_storage

logger = logging.getLogger(__name__)

SAMPLE_PREFIX = "voice-samples/"
SUBMISSION_PREFIX = "submissions"
SAMPLE_CONTENT_TYPE = "audio/mpeg"
SAMPLE_EXTENSION = ".mp3"
MAX_SAMPLE_BYTES = 5 * 1024 * 1024  # 5242880, the spec's limit per sample


@dataclass(frozen=True)
class RenderedSpeech:
    path: Path
    duration: float


def is_mp3(fileobj: IO[bytes]) -> bool:
    """True if the stream holds MP3 audio (probed by content, at most MAX_SAMPLE_BYTES are read)."""
    with tempfile.NamedTemporaryFile(suffix=SAMPLE_EXTENSION) as copy:
        copied = _copy_limited(fileobj, copy, MAX_SAMPLE_BYTES + 1)
        copy.flush()
        if copied > MAX_SAMPLE_BYTES:
            return False
        try:
            audio.probe(copy.name, allowed_formats={"mp3"})
        except MediaError:
            return False
    return True


def stored_sample_is_acceptable(key: str) -> bool:
    """The object exists under voice-samples/, is at most 5 MB and is MP3 by content."""
    if not key.startswith(SAMPLE_PREFIX) or not object_storage.exists(key):
        return False
    size = object_storage.size(key)
    if size <= 0 or size > MAX_SAMPLE_BYTES:
        logger.info("sample %s rejected: size %s", key, size)
        return False
    with object_storage.open(key) as stored:
        acceptable = is_mp3(stored)
    if not acceptable:
        logger.info("sample %s rejected: not MP3 by content", key)
    return acceptable


def render_speech(text: str, workdir: Path, *, voice: str, rate: int, pitch: int) -> RenderedSpeech:
    """Speak ``text`` with espeak-ng and encode it as MP3; raises MediaError."""
    wav = tts.synthesize(text, workdir / "speech.wav", voice=voice, rate=rate, pitch=pitch)
    mp3 = audio.transcode(wav, workdir / "speech.mp3", ["-vn", "-ac", "1", "-c:a", "libmp3lame", "-q:a", "4"])
    info = audio.probe(mp3, allowed_formats={"mp3"})
    return RenderedSpeech(path=mp3, duration=info.duration)


def engine_voices() -> list[tuple[str, str]]:
    """espeak-ng voices staff may map a gallery voice to: (id, language name), by language name."""
    named = {voice: name.replace("_", " ") for voice, name in tts.voices().items()}
    return sorted(named.items(), key=lambda item: (item[1].casefold(), item[0]))


def _copy_limited(source: IO[bytes], target: IO[bytes], limit: int) -> int:
    if hasattr(source, "seek") and getattr(source, "seekable", lambda: True)():
        source.seek(0)
    copied = 0
    while copied < limit:
        data = source.read(min(CHUNK_SIZE, limit - copied))
        if not data:
            break
        target.write(data)
        copied += len(data)
    return copied

