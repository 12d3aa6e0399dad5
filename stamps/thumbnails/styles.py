"""Thumbnail styles for a stamp, drawn with Pillow.

- ``cover``: the stamp's first image, centre-cropped.
- ``waveform``: the recording's waveform (peaks), with a playhead at ``timestamp``.
- ``card``: the first image with a waveform strip along its bottom and the playhead.
- ``auto``: ``card`` when the stamp has an image and a recording, else whichever
  of ``cover``/``waveform`` its content allows.

Every style renders a 480x270 JPEG; the inputs are media we already accepted.
"""

from __future__ import annotations

import io
from typing import IO

from PIL import Image, ImageDraw, ImageOps

from core.media.images import ACCEPTED

STYLES = ("auto", "cover", "waveform", "card")
SIZE = (480, 270)
BACKGROUND = (22, 27, 34)
WAVE = (88, 166, 255)
PLAYHEAD = (255, 166, 0)


class MissingContent(ValueError):
    """The style needs content the stamp does not have (no image, no recording)."""


def resolve_style(style: str, *, has_image: bool, has_audio: bool) -> str:
    if style == "auto":
        if has_image and has_audio:
            return "card"
        if has_image:
            return "cover"
        if has_audio:
            return "waveform"
        raise MissingContent("The VoiceStamp has no image or audio to make a thumbnail from.")
    if style in ("cover", "card") and not has_image:
        raise MissingContent(f"The {style} style needs an uploaded image.")
    if style in ("waveform", "card") and not has_audio:
        raise MissingContent(f"The {style} style needs an uploaded audio file.")
    return style


def _draw_wave(
    draw: ImageDraw.ImageDraw, peaks: list[float], box: tuple[int, int, int, int], playhead: float | None
) -> None:
    left, top, right, bottom = box
    width, middle, half = right - left, (top + bottom) / 2, (bottom - top) / 2
    count = len(peaks) or 1
    for x in range(width):
        # Each pixel column shows the loudest peak of the buckets it covers.
        start = x * count // width
        end = max(start + 1, (x + 1) * count // width)
        value = max(peaks[start:end]) if peaks else 0.0
        height = max(1.0, value * half * 0.95)
        draw.line([(left + x, middle - height), (left + x, middle + height)], fill=WAVE)
    if playhead is not None:
        x = left + round(min(max(playhead, 0.0), 1.0) * (width - 1))
        draw.line([(x, top), (x, bottom)], fill=PLAYHEAD, width=3)


def render(style: str, *, image: IO[bytes] | None, peaks: list[float] | None, playhead: float | None) -> bytes:
    """Render a resolved style. ``image`` is an open file of an accepted image; ``playhead`` is a
    fraction (0-1) of the recording, or None."""
    if style in ("cover", "card"):
        with Image.open(image, formats=list(ACCEPTED)) as source:
            # JPEG decodes straight at a reduced scale: a large photo never fills memory at full size.
            source.draft("RGB", (SIZE[0] * 2, SIZE[1] * 2))
            canvas = ImageOps.fit(source.convert("RGB"), SIZE)
    else:
        canvas = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    if style == "waveform":
        _draw_wave(draw, peaks or [], (16, 16, SIZE[0] - 16, SIZE[1] - 16), playhead)
    elif style == "card":
        strip = (0, SIZE[1] - 70, SIZE[0], SIZE[1])
        overlay = Image.new("RGBA", SIZE, (0, 0, 0, 0))
        ImageDraw.Draw(overlay).rectangle(strip, fill=(0, 0, 0, 150))
        canvas = Image.alpha_composite(canvas.convert("RGBA"), overlay).convert("RGB")
        draw = ImageDraw.Draw(canvas)
        _draw_wave(draw, peaks or [], (8, strip[1] + 6, SIZE[0] - 8, strip[3] - 6), playhead)
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=85)
    return out.getvalue()
