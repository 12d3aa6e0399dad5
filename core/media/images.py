"""Images with Pillow: open only accepted formats, refuse decompression bombs,
strip metadata (GPS and the rest), make thumbnails."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from . import MediaError

ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    format: str
    content_type: str
    extension: str
    width: int
    height: int


def clean(fileobj: IO[bytes], formats=tuple(ACCEPTED)) -> CleanImage:
    """Verify and re-encode an uploaded image without its metadata (EXIF, GPS, ICC text)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            with Image.open(fileobj, formats=list(formats)) as probe:
                probe.verify()
            fileobj.seek(0)
            with Image.open(fileobj, formats=list(formats)) as image:
                fmt = image.format
                image = ImageOps.exif_transpose(image)
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaError(f"The image is too large (at most {MAX_PIXELS} pixels).") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise MediaError(
            f"The file is not an image of an accepted format ({', '.join(f.lower() for f in formats)})."
        ) from None
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    # Saving without exif=/pnginfo= drops metadata; only pixels are kept.
    save_args = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
    image.save(out, format=fmt, **save_args)
    return CleanImage(out.getvalue(), fmt, ACCEPTED[fmt], EXTENSIONS[fmt], image.width, image.height)


def thumbnail(source: bytes | IO[bytes], size=(320, 320), fmt: str = "JPEG") -> bytes:
    """A thumbnail no larger than ``size`` (aspect kept) of an image we already accepted."""
    image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    image = image.convert("RGB")
    image.thumbnail(size)
    out = io.BytesIO()
    image.save(out, format=fmt, quality=85)
    return out.getvalue()
