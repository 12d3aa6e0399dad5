"""Audio with ffmpeg/ffprobe: probe by content, transcode, decode to PCM, waveform peaks."""

from __future__ import annotations

import json
import math
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
from django.conf import settings

from . import MediaError

PROBE_TIMEOUT = 30
TRANSCODE_TIMEOUT = 600
_SAFE_INPUT = ["-protocol_whitelist", "file", "-nostdin"]

# Container format names as ffprobe reports them -> our format name.
FORMATS = {
    "mp3": "mp3",
    "wav": "wav",
    "ogg": "ogg",
    "flac": "flac",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
    "matroska,webm": "webm",
    "aac": "aac",
}
# Audio codecs we accept inside those containers.
CODECS = {
    "mp3",
    "pcm_s16le",
    "pcm_s24le",
    "pcm_s32le",
    "pcm_f32le",
    "pcm_u8",
    "pcm_s16be",
    "pcm_mulaw",
    "pcm_alaw",
    "vorbis",
    "opus",
    "flac",
    "aac",
}


@dataclass(frozen=True)
class AudioInfo:
    format: str  # our name: mp3, wav, ogg, flac, m4a, webm, aac
    codec: str
    duration: float  # seconds, measured
    sample_rate: int
    channels: int
    bit_rate: int | None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "webm": "audio/webm",
    "aac": "audio/aac",
}


def _duration_cap(max_seconds: float | None = None) -> list[str]:
    """``-t`` for every decode: intake refuses audio longer than its API accepts by the duration
    ffprobe reads, which for some containers is only what the header claims. Whatever the header
    said, no decode runs past AUDIO_MAX_DECODE_SECONDS (nor the caller's own limit)."""
    cap = settings.AUDIO_MAX_DECODE_SECONDS
    if max_seconds:
        cap = min(cap, max_seconds)
    return ["-t", f"{cap:g}"]


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError("Processing the audio took too long.") from None


def probe(path: str | Path, allowed_formats: set[str] | None = None) -> AudioInfo:
    """Identify audio by its content (never by its name). Raises MediaError if it is not
    one of ``allowed_formats`` (our names) with an accepted codec, or has no duration."""
    result = _run(
        [
            "ffprobe",
            "-v",
            "error",
            *_SAFE_INPUT[:2],
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        PROBE_TIMEOUT,
    )
    if result.returncode != 0:
        raise MediaError("The file is not a readable audio file.")
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise MediaError("The file is not a readable audio file.") from None
    fmt = FORMATS.get(data.get("format", {}).get("format_name", ""))
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if fmt is None or not streams:
        raise MediaError("The file is not an audio file of an accepted format.")
    if any(
        s.get("codec_type") == "video" and s.get("disposition", {}).get("attached_pic") != 1
        for s in data.get("streams", [])
    ):
        raise MediaError("Video files are not accepted; upload audio only.")
    stream = streams[0]
    codec = stream.get("codec_name", "")
    if codec not in CODECS:
        raise MediaError(f"The audio codec {codec or 'unknown'} is not accepted.")
    if fmt == "ogg" and codec == "opus":
        fmt = "ogg"
    if allowed_formats is not None and fmt not in allowed_formats:
        raise MediaError(f"Audio format {fmt} is not accepted (accepted: {', '.join(sorted(allowed_formats))}).")
    try:
        declared = float(data["format"].get("duration") or stream.get("duration"))
    except (TypeError, ValueError):
        raise MediaError("The audio has no measurable duration.") from None
    # A header can understate the length (a FLAC STREAMINFO, the first frame of a VBR MP3):
    # the packets are counted too, and the longer of the two is the duration.
    duration = max(declared, _packet_duration(path))
    if duration <= 0:
        raise MediaError("The audio is empty.")
    bit_rate = data["format"].get("bit_rate")
    return AudioInfo(
        format=fmt,
        codec=codec,
        duration=round(duration, 3),
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        bit_rate=int(bit_rate) if bit_rate else None,
    )


def _packet_duration(path: str | Path) -> float:
    """Seconds the audio packets cover, read by demuxing (no decoding: a 10-hour FLAC takes under a
    second). Counted up to one second past AUDIO_MAX_DECODE_SECONDS, which is enough to refuse it."""
    result = _run(
        [
            "ffmpeg",
            "-v",
            "error",
            *_SAFE_INPUT,
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-c",
            "copy",
            "-t",
            f"{settings.AUDIO_MAX_DECODE_SECONDS + 1:g}",
            "-f",
            "null",
            "-",
            "-progress",
            "pipe:1",
        ],
        PROBE_TIMEOUT,
    )
    if result.returncode != 0:
        raise MediaError("The file is not a readable audio file.")
    times = [
        line.partition("=")[2]
        for line in result.stdout.decode(errors="replace").splitlines()
        if line.startswith("out_time_us=")
    ]
    return int(times[-1]) / 1_000_000 if times and times[-1].isdigit() else 0.0


def transcode(source: str | Path, target: str | Path, args: list[str], timeout: int = TRANSCODE_TIMEOUT) -> Path:
    """``ffmpeg -i source <args> target``; raises MediaError with ffmpeg's last line on failure."""
    result = _run(
        ["ffmpeg", "-v", "error", "-y", *_SAFE_INPUT, "-i", str(source), *args, *_duration_cap(), str(target)], timeout
    )
    if result.returncode != 0:
        raise _failure(result)
    return Path(target)


def _failure(result: subprocess.CompletedProcess) -> MediaError:
    last = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unknown error"]
    return MediaError(f"Audio conversion failed: {last[0][:200]}")


def to_wav(source: str | Path, target: str | Path, sample_rate: int = 16000, channels: int = 1) -> Path:
    return transcode(source, target, ["-vn", "-ac", str(channels), "-ar", str(sample_rate), "-c:a", "pcm_s16le"])


def decode_pcm(source: str | Path, sample_rate: int = 16000, max_seconds: float | None = None) -> np.ndarray:
    """Mono float32 samples in [-1, 1], streamed out of ffmpeg."""
    args = [
        "ffmpeg",
        "-v",
        "error",
        *_SAFE_INPUT,
        "-i",
        str(source),
        "-vn",
        "-ac",
        "1",
        "-ar",
        str(sample_rate),
        *_duration_cap(max_seconds),
    ]
    result = _run([*args, "-f", "f32le", "-"], TRANSCODE_TIMEOUT)
    if result.returncode != 0:
        raise MediaError("The audio could not be decoded.")
    return np.frombuffer(result.stdout, dtype=np.float32)


def stream_pcm(
    source: str | Path, sample_rate: int = 16000, block_samples: int = 65536, timeout: int = TRANSCODE_TIMEOUT
) -> Iterator[np.ndarray]:
    """Mono float32 samples in blocks, as ffmpeg decodes them: memory stays bounded however long
    the audio is (``decode_pcm`` holds it all). Raises MediaError if decoding fails or times out."""
    args = [
        "ffmpeg",
        "-v",
        "error",
        *_SAFE_INPUT,
        "-i",
        str(source),
        "-vn",
        "-ac",
        "1",
        "-ar",
        str(sample_rate),
        *_duration_cap(),
        "-f",
        "f32le",
        "-",
    ]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    # A reader blocked on a silent ffmpeg cannot check a deadline itself: a timer ends the process.
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        pending = b""
        while chunk := process.stdout.read(block_samples * 4):
            pending += chunk
            usable = len(pending) - len(pending) % 4
            if usable:
                yield np.frombuffer(pending[:usable], dtype=np.float32)
                pending = pending[usable:]
        if process.wait() != 0:
            raise MediaError(
                "The audio could not be decoded." if timer.is_alive() else "Processing the audio took too long."
            )
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


# --- loudness ---------------------------------------------------------------------------------
# Every delivered clip goes through ``normalise_loudness``: measured (EBU R128), given the gain that
# brings it to its target, true-peak limited, encoded, and measured again as delivered. The decision
# (and why not ffmpeg's loudnorm) is in docs/decisions/media.md.
DELIVERY_LOUDNESS_LUFS = -16.0  # conversions and gallery speech (VoiceStamps: STAMPS_LOUDNESS_LUFS)
DELIVERY_TRUE_PEAK_DBTP = -1.0  # no delivered clip peaks above this (measured after encoding)
# The limiter's first ceiling sits below the delivery limit: lossy encoders add overshoot to the
# peaks they are given (ffmpeg's AAC up to ~1.2 dB, MP3 and Opus less).
LIMITER_CEILING_DBTP = -2.0
LIMITER_OVERSAMPLING = 4  # the limiter sees inter-sample (true) peaks as samples, as ebur128 measures them
LIMITER_ATTACK_MS = 5
LIMITER_RELEASE_MS = 50
# A delivered file off target by more than this (the limiter flattened loud peaks, MP3 dropped the
# top octave) or above the true-peak limit (encoder overshoot) is encoded again, corrected by what
# was measured on it.
LOUDNESS_TOLERANCE_LU = 0.5
ENCODE_ATTEMPTS = 3
# Speech loses ~0.35 LU of loudness per dB its peaks are limited by (measured on espeak-ng speech and
# its WORLD conversions, 1-10 dB of limiting): the first gain includes it, so one encoding usually lands.
LIMITER_LOSS_LU_PER_DB = 0.35
SILENCE_LUFS = -70.0  # the absolute gate of EBU R128: nothing quieter is sound to normalise
PEAK_MARGIN_DB = 0.2  # taken off the ceiling beyond a measured overshoot


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS (-inf for silence)
    true_peak: float  # dBTP
    loudness_range: float  # LU
    threshold: float  # LUFS, the relative gate

    def as_details(self) -> dict:
        """Integrated loudness and true peak for JSON (silence measures -inf: null)."""
        return {
            "loudness_lufs": self.integrated if math.isfinite(self.integrated) else None,
            "true_peak_dbtp": self.true_peak if math.isfinite(self.true_peak) else None,
        }


@dataclass(frozen=True)
class LoudnessResult:
    source: Loudness  # measured before normalisation
    delivered: Loudness  # measured on the encoded file
    gain_db: float  # the gain the delivered file was encoded with
    ceiling_dbtp: float  # the limiter ceiling it was encoded with
    encodings: int  # 1, or more when the first encoding landed off target


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("-inf")


def _ffmpeg_log(args: list[str], timeout: int) -> str:
    """Run ffmpeg for what its filters log (measurements print to stderr); the output is discarded."""
    result = _run(["ffmpeg", "-hide_banner", "-nostats", "-v", "info", *_SAFE_INPUT, *args, "-f", "null", "-"], timeout)
    if result.returncode != 0:
        raise _failure(result)
    return result.stderr.decode(errors="replace")


def measure_loudness(path: str | Path, timeout: int = TRANSCODE_TIMEOUT) -> Loudness:
    """Integrated loudness, loudness range and true peak of a file (ffmpeg ``ebur128=peak=true``)."""
    log = _ffmpeg_log(["-i", str(path), "-vn", "-af", "ebur128=peak=true:framelog=verbose"], timeout)
    summary = log[log.rfind("Summary:") :]
    number = r"\s+(-?[\d.]+|-inf)"
    integrated = re.search(r"I:" + number + r" LUFS\s+Threshold:" + number, summary)
    if integrated is None:
        raise MediaError("The audio could not be measured.")
    loudness_range = re.search(r"LRA:" + number, summary)
    peak = re.search(r"Peak:" + number, summary)
    return Loudness(
        integrated=_float(integrated.group(1)),
        threshold=_float(integrated.group(2)),
        loudness_range=_float(loudness_range and loudness_range.group(1)),
        true_peak=_float(peak and peak.group(1)),
    )


def _level_and_limit(gain_db: float, ceiling_dbtp: float, sample_rate: int, layout: str) -> str:
    """The filter chain: gain, then a true-peak limiter working at ``LIMITER_OVERSAMPLING`` times the
    delivered rate (``level=disabled``: alimiter would otherwise turn its output back up to full scale)."""
    return (
        f"aformat=channel_layouts={layout},aresample={sample_rate * LIMITER_OVERSAMPLING},"
        f"volume={gain_db:.2f}dB,alimiter=limit={10 ** (ceiling_dbtp / 20):.4f}:attack={LIMITER_ATTACK_MS}"
        f":release={LIMITER_RELEASE_MS}:level=disabled,aresample={sample_rate}"
    )


def _first_gain(measured: Loudness, target_lufs: float) -> float:
    """The gain to the target, plus what the limiter is expected to take off the loudness when that
    gain pushes the peaks past its ceiling."""
    gain = target_lufs - measured.integrated
    limited_db = max(measured.true_peak + gain - LIMITER_CEILING_DBTP, 0.0) if math.isfinite(measured.true_peak) else 0
    return gain + LIMITER_LOSS_LU_PER_DB * limited_db


def _gain_per_lu(tried: tuple[float, float] | None, gain: float, loudness: float) -> float:
    """dB of gain per LU of loudness, from the last two encodings (the limiter eats part of each dB it
    is given, the more the louder); 1 until there are two, and kept within 1..4."""
    if tried is None or not math.isfinite(loudness) or abs(loudness - tried[1]) < 0.05:
        return 1.0
    return min(max((gain - tried[0]) / (loudness - tried[1]), 1.0), 4.0)


def normalise_loudness(
    source: str | Path,
    target: str | Path,
    *,
    target_lufs: float,
    encode_args: list[str],
    sample_rate: int,
    channels: int | None = None,
    timeout: int = TRANSCODE_TIMEOUT,
) -> LoudnessResult:
    """Encode ``source`` to ``target`` at ``target_lufs`` (EBU R128 integrated, within
    ``LOUDNESS_TOLERANCE_LU``), peaking at or below ``DELIVERY_TRUE_PEAK_DBTP``, whatever its length.

    ``encode_args``: codec, bit rate, container; no filters and no rate (``sample_rate``). The gain
    comes from the measured integrated loudness (ebur128 gates 400 ms blocks, so a 1 s clip measures
    as well as an hour), then a true-peak limiter and the encoder; the encoded file is measured and,
    if it landed off target or above the peak limit, encoded again with the gain and ceiling
    corrected by what was measured. Silence is encoded as it is.
    """
    measured = measure_loudness(source, timeout=timeout)
    layout = {1: "mono", 2: "stereo"}.get(channels, "mono|stereo")
    audible = measured.integrated > SILENCE_LUFS
    gain = _first_gain(measured, target_lufs) if audible else 0.0
    ceiling = LIMITER_CEILING_DBTP
    tried: tuple[float, float] | None = None  # (gain, delivered loudness) of the encoding before
    for encodings in range(1, ENCODE_ATTEMPTS + 1):  # noqa: B007 - the count is reported after the loop
        transcode(
            source,
            target,
            ["-vn", "-af", _level_and_limit(gain, ceiling, sample_rate, layout), "-ar", str(sample_rate), *encode_args],
            timeout=timeout,
        )
        delivered = measure_loudness(target, timeout=timeout)
        over_peak = delivered.true_peak - DELIVERY_TRUE_PEAK_DBTP
        shortfall = target_lufs - delivered.integrated if audible else 0.0
        if over_peak <= 0 and abs(shortfall) <= LOUDNESS_TOLERANCE_LU:
            break
        if over_peak > 0:
            ceiling -= over_peak + PEAK_MARGIN_DB
        gain, tried = gain + shortfall * _gain_per_lu(tried, gain, delivered.integrated), (gain, delivered.integrated)
    else:
        if over_peak > 0:
            raise MediaError("The audio could not be brought under the true-peak limit.")
    return LoudnessResult(
        source=measured,
        delivered=delivered,
        gain_db=round(gain, 2),
        ceiling_dbtp=round(ceiling, 2),
        encodings=encodings,
    )
