"""The gallery's media work: checking MP3 samples by content and rendering TTS speech.

Samples are always read from our own storage by key (or from the uploaded file),
never fetched from a URL a client supplied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings

from core.media import audio, tts
from core.storage import object_storage
from core.uploads import AudioLimits, AudioRejected, accepted_audio

from .models import Voice

logger = logging.getLogger(__name__)

SAMPLE_PREFIX = "voice-samples/"
SUBMISSION_PREFIX = "submissions"
SAMPLE_CONTENT_TYPE = "audio/mpeg"
SAMPLE_EXTENSION = ".mp3"
MAX_SAMPLE_BYTES = 5 * 1024 * 1024  # 5242880, the spec's limit per sample
FEMALE_ENGINE_VARIANT = "f3"  # espeak-ng's "female3": the clearest female variant on its default voices


@dataclass(frozen=True)
class RenderedSpeech:
    path: Path
    duration: float


def sample_limits() -> AudioLimits:
    """The spec's 5 MB per sample, our duration cap, MP3 by content."""
    return AudioLimits(MAX_SAMPLE_BYTES, settings.GALLERY_SAMPLE_MAX_SECONDS, frozenset({"mp3"}))


def check_sample(fileobj: IO[bytes]) -> None:
    """Raise AudioRejected unless the stream is an acceptable sample (at most MAX_SAMPLE_BYTES are read)."""
    with accepted_audio(fileobj, sample_limits()):
        pass


def stored_sample_is_acceptable(key: str) -> bool:
    """The object exists under voice-samples/ and is an acceptable sample by size, content and duration."""
    if not key.startswith(SAMPLE_PREFIX) or not object_storage.exists(key):
        return False
    size = object_storage.size(key)
    if size <= 0:
        logger.info("sample %s rejected: empty", key)
        return False
    try:
        with object_storage.open(key) as stored:
            check_sample(stored)
    except AudioRejected as exc:
        logger.info("sample %s rejected: %s", key, exc.reason)
        return False
    return True


def engine_voice(espeak_voice: str, characteristic: str) -> str:
    """The engine voice a gallery voice speaks with. espeak-ng's voices are male unless a variant says
    otherwise, so a voice described as Female speaks with a female variant (``en-us`` ->
    ``en-us+f3``) unless its mapping already names one."""
    if characteristic != Voice.Characteristic.FEMALE:
        return espeak_voice
    language, _, variant = espeak_voice.partition("+")
    if variant and tts.variants().get(variant) == "F":
        return espeak_voice
    return f"{language}+{FEMALE_ENGINE_VARIANT}"


def render_speech(
    text: str, workdir: Path, *, voice: str, characteristic: str, rate: int, pitch: int
) -> RenderedSpeech:
    """Speak ``text`` with espeak-ng in the engine voice of a gallery voice (``voice`` mapped by
    ``characteristic``) and encode it as MP3 at the delivery loudness; raises MediaError."""
    wav = tts.synthesize(
        text, workdir / "speech.wav", voice=engine_voice(voice, characteristic), rate=rate, pitch=pitch
    )
    mp3 = workdir / "speech.mp3"
    audio.normalise_loudness(
        wav,
        mp3,
        target_lufs=audio.DELIVERY_LOUDNESS_LUFS,
        sample_rate=tts.SAMPLE_RATE,
        channels=1,
        encode_args=["-c:a", "libmp3lame", "-q:a", "4", "-f", "mp3"],
    )
    info = audio.probe(mp3, allowed_formats={"mp3"})
    return RenderedSpeech(path=mp3, duration=info.duration)


def engine_voices() -> list[tuple[str, str]]:
    """espeak-ng voices staff may map a gallery voice to: (id, language name), by language name."""
    named = {voice: name.replace("_", " ") for voice, name in tts.voices().items()}
    return sorted(named.items(), key=lambda item: (item[1].casefold(), item[0]))
