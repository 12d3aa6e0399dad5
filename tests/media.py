"""Sample media made at test time with the real engines (espeak-ng, ffmpeg, Pillow)."""

import io
import re
import subprocess
from pathlib import Path

import jiwer
from PIL import Image, ImageDraw


def speech_wav(
    path: Path, text: str = "The quick brown fox jumps over the lazy dog.", voice: str = "en-us", speed: int = 150
) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True, timeout=60)
    return path


def speech_clip(path: Path, seconds: float, gain_db: float = 0.0, voice: str = "en-us") -> Path:
    """Speech lasting exactly ``seconds`` (espeak-ng, looped or cut), turned up or down by ``gain_db``."""
    spoken = path.with_name(f"{path.stem}-spoken.wav")
    speech_wav(
        spoken, text="Every voice has a colour of its own, and we hear it in a single word.", voice=voice, speed=160
    )
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(spoken),
            "-t",
            str(seconds),
            "-af",
            f"volume={gain_db}dB",
            "-c:a",
            "pcm_f32le",
            str(path),
        ],
        check=True,
        timeout=120,
    )
    return path


def loudness(path: Path) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBTP) of a file, as ffmpeg's ebur128 filter measures them."""
    result = subprocess.run(
        ["ffmpeg", "-nostats", "-i", str(path), "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    summary = result.stderr[result.stderr.rfind("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))
    true_peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf)", summary).group(1))
    return integrated, true_peak


def median_f0(path: Path) -> float:
    """Median f0 (Hz) over the voiced frames, measured with pyworld's Harvest (an estimator the
    platform's engine does not use, so the measurement is independent of it)."""
    import numpy as np
    import pyworld
    import soundfile

    decoded = path.with_name(f"{path.stem}-f0.wav")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(path), "-ac", "1", "-ar", "16000", "-c:a", "pcm_f32le", str(decoded)],
        check=True,
        timeout=120,
    )
    samples, rate = soundfile.read(decoded, dtype="float64")
    f0, _ = pyworld.harvest(np.ascontiguousarray(samples), rate, f0_floor=50.0, f0_ceil=800.0, frame_period=5.0)
    voiced = f0[f0 > 0]
    assert voiced.size, f"no voiced frames in {path}"
    return float(np.median(voiced))


def tone(path: Path, seconds: float = 2.0, frequency: int = 440, codec_args=()) -> Path:
    """A sine tone encoded by ffmpeg; the format follows the file extension."""
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={frequency}:duration={seconds}",
            *codec_args,
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


def transcode(source: Path, target: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), *args, str(target)], check=True, timeout=120)
    return target


def image_bytes(width: int = 320, height: int = 240, fmt: str = "PNG", color=(30, 120, 200)) -> bytes:
    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=(240, 200, 40))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER of an ASR result against what was spoken, ignoring case and punctuation.

    ASR output differs across CPUs (SIMD paths change the float rounding), so tests assert a WER
    bound and the key words, never the exact text."""
    return jiwer.wer(_words(reference), _words(hypothesis) or "<empty>")


def assert_heard(reference: str, hypothesis: str, key_words=(), max_wer: float = 0.35):
    wer = word_error_rate(reference, hypothesis)
    assert wer <= max_wer, f"WER {wer:.2f} > {max_wer}: heard {hypothesis!r} for {reference!r}"
    heard = set(_words(hypothesis).split())
    missing = [word for word in key_words if word.lower() not in heard]
    assert not missing, f"key words {missing} not heard in {hypothesis!r}"
