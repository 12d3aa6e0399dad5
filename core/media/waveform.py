"""Waveforms for players: the audio decoded by ffmpeg (streamed) to the extremes of each 10 ms
frame, then drawn by Pillow as a PNG (``render``) or given as peaks a page draws itself (``peaks``)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from . import MediaError
from .audio import stream_pcm

DECODE_RATE = 8000
FRAME = DECODE_RATE // 100  # 10 ms
WIDTH = 1200
HEIGHT = 160
BACKGROUND = (0, 0, 0, 0)
FOREGROUND = (64, 132, 214, 255)


@dataclass(frozen=True)
class Waveform:
    png: bytes
    duration: float  # seconds, measured from the decoded samples
    peak: float  # largest |sample|, 0..1


def _frame_extremes(source: str | Path) -> tuple[np.ndarray, np.ndarray, int]:
    """The min and max of each 10 ms frame, and the number of samples decoded. Only those are
    kept, so hours of audio fit in a few MB."""
    frame_mins, frame_maxs = [], []
    carry = np.empty(0, dtype=np.float32)
    total = 0
    for block in stream_pcm(source, sample_rate=DECODE_RATE):
        total += block.size
        data = np.concatenate((carry, block)) if carry.size else block
        whole = data.size - data.size % FRAME
        if whole:
            frames = data[:whole].reshape(-1, FRAME)
            frame_mins.append(frames.min(axis=1))
            frame_maxs.append(frames.max(axis=1))
        carry = data[whole:]
    if carry.size:
        frame_mins.append(carry.min(keepdims=True))
        frame_maxs.append(carry.max(keepdims=True))
    if total == 0:
        return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.float32), 0
    return np.concatenate(frame_mins), np.concatenate(frame_maxs), total


def peaks(source: str | Path, buckets: int = 200) -> list[float]:
    """``buckets`` maxima of |sample|, each in [0, 1], for players that draw the waveform themselves.
    Audio shorter than ``buckets`` frames repeats the nearest frame rather than leaving gaps;
    audio without samples is flat."""
    mins, maxs, _ = _frame_extremes(source)
    if mins.size == 0:
        return [0.0] * buckets
    frames = np.maximum(np.abs(mins), np.abs(maxs))
    edges = np.linspace(0, frames.size, buckets + 1, dtype=np.int64)
    return [
        round(float(frames[a:b].max() if b > a else frames[min(a, frames.size - 1)]), 4)
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]


def render(source: str | Path, width: int = WIDTH, height: int = HEIGHT) -> Waveform:
    """Decode ``source`` as a stream and draw one vertical bar per pixel column (min..max of its samples)."""
    mins, maxs, total = _frame_extremes(source)
    if total == 0:
        raise MediaError("The audio has no samples.")
    columns = min(width, mins.size)
    # columns <= frames, so the integer edges strictly increase and every column has a frame.
    starts = np.linspace(0, mins.size, columns + 1, dtype=np.int64)[:-1]
    column_mins, column_maxs = np.minimum.reduceat(mins, starts), np.maximum.reduceat(maxs, starts)

    image = Image.new("RGBA", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    middle = (height - 1) / 2
    step = width / columns
    for index, (low, high) in enumerate(zip(column_mins, column_maxs, strict=True)):
        top = int(middle - float(high) * middle)
        bottom = max(int(middle - float(low) * middle), top + 1)
        x = int(index * step)
        draw.rectangle((x, top, x + max(int(step) - 1, 0), bottom), fill=FOREGROUND)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    peak = max(abs(float(mins.min())), abs(float(maxs.max())))
    return Waveform(png=out.getvalue(), duration=round(total / DECODE_RATE, 3), peak=round(peak, 4))
