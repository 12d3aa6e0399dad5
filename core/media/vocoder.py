"""Voice conversion with the WORLD vocoder (pyworld): analyse, reshape, resynthesise.

The interface is small on purpose so a neural model can replace it later:

- ``estimate_f0(path)``: the speaker's fundamental frequency from the voiced frames
  (what a calibration stores, and what "auto" calibration measures on an original).
- ``convert(source, target, shape)``: shift the pitch by ``shape.semitones``, warp the
  spectral envelope by ``shape.formant_ratio`` (formants move, pitch does not), scale
  intonation, speaking rate and breathiness, resynthesise (re-measured so the median f0 of what is
  delivered sits on the target), loudness-normalise (``audio.normalise_loudness``), encode.

Analysis runs on mono audio at ``SAMPLE_RATE``; f0 comes from DIO refined by StoneMask
(``F0_ALGORITHM``: fast enough for conversion at well over 10x realtime on one core, and the
estimator calibrations use too, so "your pitch" and the frames being shifted are the same
measurement), the envelope from CheapTrick and the aperiodicity from D4C. Harvest stays
available to ``estimate_f0`` as an independent measurement.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyworld
import soundfile

from . import MediaError, audio

logger = logging.getLogger(__name__)

SAMPLE_RATE = 22050
FRAME_PERIOD_MS = 5.0
F0_FLOOR = 50.0
F0_CEIL = 800.0
# CheapTrick's window follows its f0 floor: 71 Hz gives a 1024-point FFT at 22.05 kHz (half the cost
# of 50 Hz's 2048) and still resolves the envelope of voices down to ~45 Hz.
ENVELOPE_F0_FLOOR = 71.0
# DIO on a decimated signal (StoneMask then refines f0 on the full-rate signal).
DIO_SPEED = 4
# D4C is the costliest analysis step and aperiodicity changes slowly: it is estimated on every
# second frame (10 ms) and interpolated back to the frame rate, which halves its cost.
APERIODICITY_FRAME_STEP = 2
MIN_VOICED_SECONDS = 0.3
# Within this of its target the median f0 of the frames a resynthesis keeps voiced is left as it is.
PITCH_TOLERANCE_CENTS = 5.0
# When at least this share of the voiced frames stays voiced in the resynthesis, one correction lands
# (measured: within ~17 cents on every catalogue voice); below it the corrections are measured too.
STABLE_SURVIVAL = 0.6
PITCH_CORRECTIONS = 3
ALGORITHMS = ("harvest", "dio")
# The one f0 estimator of the platform: conversion analyses with it, so calibrations and "auto"
# references measure with it too. A pitch measured by another estimator is a different number for
# the same voice (Harvest put a breathy espeak-ng voice 100-160 cents below DIO's frames), and the
# shift 12*log2(voice pitch / your pitch) would carry that difference into every conversion.
F0_ALGORITHM = "dio"
OUTPUT_FORMATS = {
    "wav": (["-c:a", "pcm_s16le"], "audio/wav"),
    "mp3": (["-c:a", "libmp3lame", "-b:a", "128k"], "audio/mpeg"),
}
# Limits that keep the resynthesis meaningful: beyond them WORLD produces noise, not a voice.
SEMITONES_LIMIT = 24.0
FORMANT_RATIO_RANGE = (0.6, 1.6)
RATE_RANGE = (0.5, 2.0)
PITCH_RANGE_RANGE = (0.0, 3.0)


@dataclass(frozen=True)
class F0Estimate:
    f0: float  # Hz, median of the voiced frames
    algorithm: str
    voiced_seconds: float


@dataclass(frozen=True)
class VoiceShape:
    """What a conversion changes. Neutral values leave the voice as it is."""

    semitones: float = 0.0  # pitch shift of the whole recording
    formant_ratio: float = 1.0  # >1 moves formants up (smaller vocal tract), <1 down
    pitch_range: float = 1.0  # intonation: scales f0 movement around the median (log domain)
    rate: float = 1.0  # speaking rate: 1.25 is 25% faster (shorter), 0.8 slower
    breathiness: float = 0.0  # 0..1: mixes aperiodic (breath) energy into voiced frames

    def validate(self) -> None:
        if not -SEMITONES_LIMIT <= self.semitones <= SEMITONES_LIMIT:
            raise MediaError(f"The pitch shift must be within ±{SEMITONES_LIMIT:g} semitones.")
        if not FORMANT_RATIO_RANGE[0] <= self.formant_ratio <= FORMANT_RATIO_RANGE[1]:
            raise MediaError("The formant ratio is out of range.")
        if not RATE_RANGE[0] <= self.rate <= RATE_RANGE[1]:
            raise MediaError("The speaking rate is out of range.")
        if not PITCH_RANGE_RANGE[0] <= self.pitch_range <= PITCH_RANGE_RANGE[1]:
            raise MediaError("The pitch range is out of range.")
        if not 0.0 <= self.breathiness <= 1.0:
            raise MediaError("The breathiness must be between 0 and 1.")


@dataclass(frozen=True)
class ConversionResult:
    duration: float  # seconds of the encoded output
    source_f0: float  # median voiced f0 of the source, Hz
    target_f0: float  # where the output's median sits, Hz
    format: str
    content_type: str


@dataclass
class Analysis:
    f0: np.ndarray  # Hz per frame, 0 where unvoiced
    spectral_envelope: np.ndarray  # frames x bins
    aperiodicity: np.ndarray  # frames x bins, 0 (periodic) .. 1 (noise)
    sample_rate: int

    @property
    def voiced(self) -> np.ndarray:
        return self.f0 > 0

    @property
    def median_f0(self) -> float:
        return voiced_median(self.f0)


def voiced_median(f0: np.ndarray) -> float:
    """The pitch of a contour: median f0 (Hz) of its voiced frames, 0 if none."""
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if voiced.size else 0.0


def read_samples(path: str | Path, max_seconds: float | None = None) -> np.ndarray:
    """Mono float64 samples at ``SAMPLE_RATE`` (any format ffmpeg decodes)."""
    samples = audio.decode_pcm(path, sample_rate=SAMPLE_RATE, max_seconds=max_seconds)
    if samples.size < SAMPLE_RATE // 10:
        raise MediaError("The audio is too short to analyse.")
    return np.ascontiguousarray(samples, dtype=np.float64)


def _f0(samples: np.ndarray, algorithm: str) -> tuple[np.ndarray, np.ndarray]:
    if algorithm == "harvest":
        return pyworld.harvest(samples, SAMPLE_RATE, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL, frame_period=FRAME_PERIOD_MS)
    if algorithm == "dio":
        f0, times = pyworld.dio(
            samples, SAMPLE_RATE, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL, frame_period=FRAME_PERIOD_MS, speed=DIO_SPEED
        )
        return pyworld.stonemask(samples, f0, times, SAMPLE_RATE), times
    raise ValueError(f"unknown f0 algorithm {algorithm}")


def analyse(samples: np.ndarray, algorithm: str = F0_ALGORITHM) -> Analysis:
    f0, times = _f0(samples, algorithm)
    fft_size = pyworld.get_cheaptrick_fft_size(SAMPLE_RATE, ENVELOPE_F0_FLOOR)
    envelope = pyworld.cheaptrick(samples, f0, times, SAMPLE_RATE, f0_floor=ENVELOPE_F0_FLOOR, fft_size=fft_size)
    aperiodicity = _aperiodicity(samples, f0, times, fft_size)
    return Analysis(f0=f0, spectral_envelope=envelope, aperiodicity=aperiodicity, sample_rate=SAMPLE_RATE)


def _aperiodicity(samples: np.ndarray, f0: np.ndarray, times: np.ndarray, fft_size: int) -> np.ndarray:
    step = APERIODICITY_FRAME_STEP
    coarse = pyworld.d4c(
        samples, np.ascontiguousarray(f0[::step]), np.ascontiguousarray(times[::step]), SAMPLE_RATE, fft_size=fft_size
    )
    return np.ascontiguousarray(_interpolate(coarse, np.arange(len(f0)) / step, axis=0))


def _interpolate(values: np.ndarray, positions: np.ndarray, axis: int) -> np.ndarray:
    """``values`` at fractional ``positions`` along ``axis``, linear between neighbours; positions
    outside the array take its first or last value."""
    last = values.shape[axis] - 1
    positions = np.clip(positions, 0, last)
    lower = np.floor(positions).astype(np.int64)
    upper = np.minimum(lower + 1, last)
    fraction = np.expand_dims(positions - lower, tuple(d for d in range(values.ndim) if d != axis))
    return np.take(values, lower, axis=axis) * (1 - fraction) + np.take(values, upper, axis=axis) * fraction


def estimate_f0(path: str | Path, algorithm: str = F0_ALGORITHM, max_seconds: float | None = None) -> F0Estimate:
    """The speaker's pitch: median f0 over voiced frames. MediaError if there is too little voice."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown f0 algorithm {algorithm}")
    samples = read_samples(path, max_seconds=max_seconds)
    f0, _ = _f0(samples, algorithm)
    voiced_seconds = np.count_nonzero(f0 > 0) * FRAME_PERIOD_MS / 1000
    if voiced_seconds < MIN_VOICED_SECONDS:
        raise MediaError("No voice was found in the audio: record a few seconds of speech.")
    return F0Estimate(f0=round(voiced_median(f0), 2), algorithm=algorithm, voiced_seconds=round(voiced_seconds, 2))


def _stretch_frames(analysis: Analysis, rate: float) -> Analysis:
    """Change the speaking rate by resampling frames (nearest frame keeps voicing decisions intact)."""
    if rate == 1.0:
        return analysis
    count = analysis.f0.size
    new_count = max(1, int(round(count / rate)))
    index = np.minimum(np.round(np.arange(new_count) * rate).astype(np.int64), count - 1)
    return Analysis(
        f0=np.ascontiguousarray(analysis.f0[index]),
        spectral_envelope=np.ascontiguousarray(analysis.spectral_envelope[index]),
        aperiodicity=np.ascontiguousarray(analysis.aperiodicity[index]),
        sample_rate=analysis.sample_rate,
    )


def warp_envelope(envelope: np.ndarray, ratio: float) -> np.ndarray:
    """Move every formant by ``ratio`` along the frequency axis (linear interpolation of bins)."""
    if ratio == 1.0:
        return envelope
    warped = _interpolate(envelope, np.arange(envelope.shape[1]) / ratio, axis=1)
    return np.ascontiguousarray(np.maximum(warped, np.finfo(np.float64).tiny))


def reshape_f0(f0: np.ndarray, semitones: float, pitch_range: float) -> tuple[np.ndarray, float, float]:
    """Shift voiced frames by ``semitones`` and scale their movement around the median.

    Scaling in the log domain around the median keeps the median where the shift puts it
    (a monotonic map moves the median with it). Returns (new f0, source median, target median).
    """
    voiced = f0 > 0
    if not voiced.any():
        raise MediaError("No voice was found in the audio.")
    median = voiced_median(f0)
    target = median * 2 ** (semitones / 12)
    shaped = np.zeros_like(f0)
    shaped[voiced] = target * (f0[voiced] / median) ** pitch_range
    return np.clip(shaped, 0, SAMPLE_RATE / 4), median, target


def _synthesize(analysis: Analysis) -> np.ndarray:
    return pyworld.synthesize(
        analysis.f0, analysis.spectral_envelope, analysis.aperiodicity, SAMPLE_RATE, FRAME_PERIOD_MS
    )


def _surviving_median_cents(
    shaped_f0: np.ndarray, synthesized: np.ndarray, target_f0: float
) -> tuple[float, float] | None:
    """Analyse a resynthesis with the platform's estimator: (cents from the target of the median of the
    frames it still voices, the share of voiced frames that survived), None if none did."""
    measured, _ = _f0(synthesized, F0_ALGORITHM)
    frames = min(measured.size, shaped_f0.size)
    voiced = shaped_f0[:frames] > 0
    surviving = voiced & (measured[:frames] > 0)
    if not surviving.any():
        return None
    median = float(np.median(shaped_f0[:frames][surviving]))
    return 1200 * float(np.log2(median / target_f0)), surviving.sum() / voiced.sum()


def _keep_median_on_target(shaped: Analysis, synthesized: np.ndarray, target_f0: float) -> np.ndarray:
    """Resynthesis loses voicing: analysed again, ~15% of the frames the source analysis voiced come out
    unvoiced, mostly the low, weak ends of voiced runs, so the median of what is delivered sits above
    the target (+30..+50 cents on a breathy voice). The resynthesis is analysed with the same estimator
    and, if the median of the frames it keeps voiced is off target, the contour is shifted to put it there
    and synthesised again. When few frames survive (a breathy voice from a breathy speaker) the surviving
    set moves with the shift, so each correction is measured too (secant steps) and the closest kept."""
    measured = _surviving_median_cents(shaped.f0, synthesized, target_f0)
    if measured is None or abs(measured[0]) <= PITCH_TOLERANCE_CENTS:
        return synthesized
    error, survival = measured
    contour = shaped.f0.copy()
    best_error, best, best_shift = abs(error), synthesized, 0.0
    previous, shift = (0.0, error), -error  # (shift, error) measured last; cents to shift the contour by
    for _ in range(PITCH_CORRECTIONS):
        shaped.f0 = np.ascontiguousarray(contour * 2 ** (shift / 1200))
        synthesized = _synthesize(shaped)
        if survival >= STABLE_SURVIVAL:
            return synthesized
        measured = _surviving_median_cents(shaped.f0, synthesized, target_f0)
        if measured is None:
            break
        error = measured[0]
        if abs(error) < best_error:
            best_error, best, best_shift = abs(error), synthesized, shift
        if abs(error) <= PITCH_TOLERANCE_CENTS:
            break
        slope = (error - previous[1]) / (shift - previous[0]) if shift != previous[0] else 1.0
        previous, shift = (shift, error), shift - error / (slope if 0.25 <= slope <= 4 else 1.0)
    shaped.f0 = np.ascontiguousarray(contour * 2 ** (best_shift / 1200))
    return best


def _breathe(aperiodicity: np.ndarray, amount: float) -> np.ndarray:
    if amount == 0:
        return aperiodicity
    return np.ascontiguousarray(1 - (1 - aperiodicity) * (1 - amount))


def convert(
    source: str | Path,
    target: str | Path,
    shape: VoiceShape,
    *,
    output_format: str = "mp3",
    max_seconds: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> ConversionResult:
    """Convert the speech in ``source`` and write the encoded, loudness-normalised result to ``target``."""
    shape.validate()
    if output_format not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {output_format}")
    report = progress or (lambda percent: None)
    samples = read_samples(source, max_seconds=max_seconds)
    report(10)
    analysis = analyse(samples)
    report(50)
    f0, source_f0, target_f0 = reshape_f0(analysis.f0, shape.semitones, shape.pitch_range)
    shaped = _stretch_frames(
        Analysis(
            f0=f0,
            spectral_envelope=warp_envelope(analysis.spectral_envelope, shape.formant_ratio),
            aperiodicity=_breathe(analysis.aperiodicity, shape.breathiness),
            sample_rate=SAMPLE_RATE,
        ),
        shape.rate,
    )
    synthesized = _synthesize(shaped)
    report(70)
    synthesized = _keep_median_on_target(shaped, synthesized, target_f0)
    report(80)
    peak = float(np.max(np.abs(synthesized))) if synthesized.size else 0.0
    if not np.isfinite(peak) or peak == 0:
        raise MediaError("The conversion produced no sound.")
    codec_args, content_type = OUTPUT_FORMATS[output_format]
    with tempfile.TemporaryDirectory(prefix="vocoder-") as workdir:
        raw = Path(workdir) / "synthesized.wav"
        # Float WAV holds the resynthesis unclipped; normalise_loudness then sets the level and the peaks.
        soundfile.write(raw, (synthesized / peak * 0.5).astype(np.float32), SAMPLE_RATE, subtype="FLOAT")
        audio.normalise_loudness(
            raw,
            target,
            target_lufs=audio.DELIVERY_LOUDNESS_LUFS,
            sample_rate=SAMPLE_RATE,
            channels=1,
            encode_args=[*codec_args, "-f", output_format],
        )
    info = audio.probe(target, allowed_formats={output_format})
    report(95)
    logger.info(
        "converted %s: %.2fs, f0 %.1f -> %.1f Hz, formants x%.2f",
        Path(source).name,
        info.duration,
        source_f0,
        target_f0,
        shape.formant_ratio,
    )
    return ConversionResult(
        duration=info.duration,
        source_f0=round(source_f0, 2),
        target_f0=round(target_f0, 2),
        format=output_format,
        content_type=content_type,
    )
