"""Sample media made at test time with the real engines (espeak-ng, ffmpeg, Pillow)."""

import io
import re
import subprocess
from pathlib import Path

import jiwer
from PIL import Image, ImageDraw


def speech_wav(path: Path, text: str = "The quick brown fox jumps over the lazy dog.", voice: str = "en-us",
               speed: int = 150) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True, timeout=60)
    return path


def tone(path: Path, seconds: float = 2.0, frequency: int = 440, codec_args=()) -> Path:
    """A sine tone encoded by ffmpeg; the format follows the file extension."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}",
         *codec_args, str(path)],
        check=True, timeout=60,
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
