"""The stamp's editable content: what its own media allow, and the bookkeeping of every change.

Voice tags, manifest timestamps and drawings must fall within the recording's measured duration
and the first image's size once those are known; every change bumps the manifest version; voice
tags' notes are kept as plain text for search. Used by the stamp's own services and by the
packaging, thumbnail and transcript services alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import invalid

from . import selectors
from .models import Stamp, StampFile


def bump(stamp: Stamp, fields: list[str]) -> None:
    """Save ``fields`` with the next manifest version (clients compare it to detect a change)."""
    stamp.manifest_version += 1
    stamp.save(update_fields=[*fields, "manifest_version", "updated_at"])


def notes_of(voice_tags: list[dict]) -> str:
    return "\n".join(str(tag.get("note") or "") for tag in voice_tags)


# --- limits the stamp's own media put on voice tags, timestamps and drawings -------------
@dataclass(frozen=True)
class Limits:
    duration: float | None
    width: int | None
    height: int | None


def limits_of(stamp: Stamp) -> Limits:
    audio_file = selectors.current_file(stamp, StampFile.Role.AUDIO)
    first_image = next(iter(selectors.images_of(stamp)), None)
    return Limits(
        duration=audio_file.duration if audio_file else None,
        width=first_image.width if first_image else None,
        height=first_image.height if first_image else None,
    )


def check_voice_tags(voice_tags: list[dict], limits: Limits, field: str = "voice_tags") -> None:
    """Timestamps within the measured duration, coordinates within the first image, once known."""
    errors: dict[str, list[str]] = {}
    for index, tag in enumerate(voice_tags):
        if limits.duration is not None and tag["timestamp"] > limits.duration:
            errors[f"{field}.{index}.timestamp"] = [
                f"The timestamp must be within the audio's duration ({limits.duration} s)."
            ]
        if limits.width is not None and tag.get("x") is not None and tag["x"] > limits.width:
            errors[f"{field}.{index}.x"] = [f"x must be within the image's width ({limits.width} px)."]
        if limits.height is not None and tag.get("y") is not None and tag["y"] > limits.height:
            errors[f"{field}.{index}.y"] = [f"y must be within the image's height ({limits.height} px)."]
    if errors:
        raise invalid(errors)


def check_timestamps(timestamps: list[dict], limits: Limits) -> None:
    errors = {
        f"timestamps.{index}.time": [f"The time must be within the audio's duration ({limits.duration} s)."]
        for index, item in enumerate(timestamps)
        if limits.duration is not None and item["time"] > limits.duration
    }
    if errors:
        raise invalid(errors)
