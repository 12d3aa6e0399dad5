"""Audio with ffmpeg/ffprobe: probe by content, transcode, decode to PCM, waveform peaks."""

from __future__ import annotations

import json
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
CODECS = {"mp3", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8", "pcm_s16be", "pcm_mulaw",
          "pcm_alaw", "vorbis", "opus", "flac", "aac"}


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
        ["ffprobe", "-v", "error", *_SAFE_INPUT[:2], "-print_format", "json", "-show_format", "-show_streams",
         str(path)],
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
    if any(s.get("codec_type") == "video" and s.get("disposition", {}).get("attached_pic") != 1
           for s in data.get("streams", [])):
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
        ["ffmpeg", "-v", "error", *_SAFE_INPUT, "-i", str(path), "-map", "0:a:0", "-c", "copy",
         "-t", f"{settings.AUDIO_MAX_DECODE_SECONDS + 1:g}", "-f", "null", "-", "-progress", "pipe:1"],
        PROBE_TIMEOUT,
    )
    if result.returncode != 0:
        raise MediaError("The file is not a readable audio file.")
    times = [line.partition("=")[2] for line in result.stdout.decode(errors="replace").splitlines()
             if line.startswith("out_time_us=")]
    return int(times[-1]) / 1_000_000 if times and times[-1].isdigit() else 0.0


def transcode(source: str | Path, target: str | Path, args: list[str], timeout: int = TRANSCODE_TIMEOUT) -> Path:
    """``ffmpeg -i source <args> target``; raises MediaError with ffmpeg's last line on failure."""
    result = _run(["ffmpeg", "-v", "error", "-y", *_SAFE_INPUT, "-i", str(source), *args, *_duration_cap(),
                   str(target)], timeout)
    if result.returncode != 0:
        last = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unknown error"]
        raise MediaError(f"Audio conversion failed: {last[0][:200]}")
    return Path(target)


def to_wav(source: str | Path, target: str | Path, sample_rate: int = 16000, channels: int = 1) -> Path:
    return transcode(source, target, ["-vn", "-ac", str(channels), "-ar", str(sample_rate), "-c:a", "pcm_s16le"])


def decode_pcm(source: str | Path, sample_rate: int = 16000, max_seconds: float | None = None) -> np.ndarray:
    """Mono float32 samples in [-1, 1], streamed out of ffmpeg."""
    args = ["ffmpeg", "-v", "error", *_SAFE_INPUT, "-i", str(source), "-vn", "-ac", "1", "-ar", str(sample_rate),
            *_duration_cap(max_seconds)]
    result = _run([*args, "-f", "f32le", "-"], TRANSCODE_TIMEOUT)
    if result.returncode != 0:
        raise MediaError("The audio could not be decoded.")
    return np.frombuffer(result.stdout, dtype=np.float32)


def stream_pcm(source: str | Path, sample_rate: int = 16000, block_samples: int = 65536,
               timeout: int = TRANSCODE_TIMEOUT) -> Iterator[np.ndarray]:
    """Mono float32 samples in blocks, as ffmpeg decodes them: memory stays bounded however long
    the audio is (``decode_pcm`` holds it all). Raises MediaError if decoding fails or times out."""
    args = ["ffmpeg", "-v", "error", *_SAFE_INPUT, "-i", str(source), "-vn", "-ac", "1", "-ar", str(sample_rate),
            *_duration_cap(), "-f", "f32le", "-"]
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
            raise MediaError("The audio could not be decoded." if timer.is_alive()
                             else "Processing the audio took too long.")
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def peaks(source: str | Path, buckets: int = 200, sample_rate: int = 8000) -> list[float]:
    """Waveform peaks for players: ``buckets`` maxima of |sample|, each in [0, 1].

    Decoded as a stream keeping only each 10 ms frame's maximum, so memory stays small
    however long the audio is."""
    frame = max(sample_rate // 100, 1)
    maxima: list[np.ndarray] = []
    pending = np.empty(0, dtype=np.float32)
    for block in stream_pcm(source, sample_rate=sample_rate):
        pending = np.concatenate([pending, np.abs(block)])
        whole = pending.size - pending.size % frame
        if whole:
            maxima.append(pending[:whole].reshape(-1, frame).max(axis=1))
            pending = pending[whole:]
    if pending.size:
        maxima.append(pending.max(keepdims=True))
    frames = np.concatenate(maxima) if maxima else np.empty(0, dtype=np.float32)
    if frames.size == 0:
        return [0.0] * buckets
    edges = np.linspace(0, frames.size, buckets + 1, dtype=np.int64)
    # Audio shorter than ``buckets`` frames repeats the nearest frame rather than leaving gaps.
    return [round(float(frames[a:b].max() if b > a else frames[min(a, frames.size - 1)]), 4)
            for a, b in zip(edges[:-1], edges[1:])]


def loudnorm_args(target_lufs: float = -16.0, true_peak: float = -1.5, lra: float = 11.0) -> list[str]:
    """EBU R128 loudness normalisation (single pass ffmpeg loudnorm)."""
    return ["-af", f"loudnorm=I={target_lufs}:TP={true_peak}:LRA={lra}"]
