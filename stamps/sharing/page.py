"""Reads for the share page /share/{code}: everything the page shows, prepared here once, so the
template lays it out and ``share.js`` only draws and plays it.

Times are seconds on the recording; positions on the image are fractions of its frame, so the
browser scales them to whatever size the image is shown at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import get_language_info

from ..models import StampFile
from .models import Share
from .selectors import ShareContent, public_url, share_content

# Open Graph descriptions are cut by every previewer at about this length.
PREVIEW_DESCRIPTION_CHARS = 200


@dataclass(frozen=True)
class Marker:
    """A voice tag, numbered by its time on the recording (1 is the earliest)."""

    number: int
    timestamp: float | None
    note: str
    left: float | None  # percent of the image's width, None when the tag has no place on it
    top: float | None
    along: float | None  # percent of the recording's length, for the waveform

    @property
    def clock(self) -> str:
        """The time as a player shows it: 0:03.5, 1:05."""
        if self.timestamp is None:
            return ""
        minutes, seconds = divmod(round(self.timestamp, 1), 60)
        text = f"{int(minutes)}:{seconds:04.1f}"
        return text[:-2] if text.endswith(".0") else text

    def as_data(self) -> dict:
        return {"number": self.number, "time": self.timestamp, "left": self.left, "top": self.top}


@dataclass(frozen=True)
class TranscriptSegment:
    start: float | None
    end: float | None
    text: str


@dataclass(frozen=True)
class Translation:
    language: str  # ISO 639-1 code
    language_name: str
    text: str


@dataclass(frozen=True)
class SharePage:
    share: Share
    content: ShareContent
    shared_by: str
    shared_at: datetime
    duration: float | None
    markers: list[Marker]
    drawings: list[dict]
    transcript: str
    segments: list[TranscriptSegment]
    translations: list[Translation]
    peaks: list[float] | None = field(default=None)

    @property
    def stamp(self):
        return self.content.stamp

    def script_data(self, media_url: str) -> dict:
        """What share.js needs, given to it as a JSON data block (not a script: no inline code)."""
        return {
            "duration": self.duration,
            "peaks": self.peaks or [],
            "markers": [m.as_data() for m in self.markers if m.timestamp is not None],
            "drawings": self.drawings,
            "media_url": media_url,
        }


def marker_position(tag: dict, image: StampFile | None) -> tuple[float, float] | None:
    """Where a voice tag sits on the image, as fractions of its width and height.

    Tags carry x, y in the image's pixels (the spec's example: x 120, y 80); values
    between 0 and 1 are taken as fractions already.
    """
    try:
        x, y = float(tag.get("x")), float(tag.get("y"))
    except (TypeError, ValueError):
        return None
    if 0 <= x <= 1 and 0 <= y <= 1:
        return x, y
    if image is None or not image.width or not image.height:
        return None
    fx, fy = x / image.width, y / image.height
    return (fx, fy) if 0 <= fx <= 1 and 0 <= fy <= 1 else None


def _seconds(value) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return max(seconds, 0.0) if seconds == seconds else None  # NaN is no time


def markers_of(voice_tags, image: StampFile | None, duration: float | None) -> list[Marker]:
    """The voice tags in time order, numbered 1..n; tags without a time come last."""
    tags = []
    for index, tag in enumerate(voice_tags or []):
        if isinstance(tag, dict):
            tags.append((_seconds(tag.get("timestamp")), index, tag))
    tags.sort(key=lambda item: (item[0] is None, item[0] or 0.0, item[1]))
    markers = []
    for number, (timestamp, _, tag) in enumerate(tags, start=1):
        position = marker_position(tag, image)
        along = None
        if timestamp is not None and duration:
            along = round(min(timestamp / duration, 1.0) * 100, 3)
        markers.append(
            Marker(
                number=number,
                timestamp=timestamp,
                note=str(tag.get("note") or ""),
                left=round(position[0] * 100, 3) if position else None,
                top=round(position[1] * 100, 3) if position else None,
                along=along,
            )
        )
    return markers


def _stroke(stroke, frame_width: float, frame_height: float) -> dict | None:
    if not isinstance(stroke, dict) or not isinstance(stroke.get("points"), list):
        return None
    points = []
    for point in stroke["points"]:
        try:
            x, y = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        points.append([round(x / frame_width, 5), round(y / frame_height, 5)])
    if not points:
        return None
    try:
        width = float(stroke.get("width") or 2.0)
    except (TypeError, ValueError):
        width = 2.0
    color = str(stroke.get("color") or "#000000")
    return {
        "points": points,
        "color": color if len(color) == 7 and color.startswith("#") else "#000000",
        "width": round(width / frame_width, 5),  # a fraction of the frame's width, like the points
        "tool": stroke.get("tool") if stroke.get("tool") in ("pen", "highlighter", "eraser") else "pen",
    }


def drawings_of(drawings, image: StampFile | None) -> list[dict]:
    """The saved drawings in time order, points as fractions of the frame they were drawn in.

    A drawing appears when the recording reaches its timestamp and stays; one without a
    timestamp is there from the start.
    """
    shown = []
    for drawing in drawings or []:
        if not isinstance(drawing, dict):
            continue
        frame = drawing.get("coordinates") or {}
        try:
            frame_width = float(frame.get("width") or (image.width if image else 0))
            frame_height = float(frame.get("height") or (image.height if image else 0))
        except (TypeError, ValueError, AttributeError):
            continue
        if frame_width <= 0 or frame_height <= 0:
            continue
        strokes = [s for s in (_stroke(s, frame_width, frame_height) for s in drawing.get("strokes") or []) if s]
        if strokes:
            shown.append(
                {
                    "time": _seconds(drawing.get("timestamp")) or 0.0,
                    "strokes": strokes,
                    "aspect": round(frame_width / frame_height, 5),
                }
            )
    shown.sort(key=lambda d: d["time"])
    return shown


def transcript_of(transcription) -> tuple[str, list[TranscriptSegment]]:
    if not isinstance(transcription, dict):
        return str(transcription or ""), []
    segments = []
    for segment in transcription.get("segments") or []:
        if isinstance(segment, dict) and str(segment.get("text") or "").strip():
            segments.append(
                TranscriptSegment(
                    _seconds(segment.get("start")), _seconds(segment.get("end")), str(segment["text"]).strip()
                )
            )
    return str(transcription.get("text") or "").strip(), segments


def _language_name(code: str) -> str:
    try:
        return get_language_info(code)["name"]
    except KeyError:
        return code


def translations_of(translations) -> list[Translation]:
    """The latest translation of the transcription into each language (the manifest keeps them all)."""
    latest: dict[str, Translation] = {}
    for entry in translations or []:
        if not isinstance(entry, dict) or entry.get("text_id") or not str(entry.get("text") or "").strip():
            continue
        code = str(entry.get("target_language") or entry.get("language") or "").strip()
        if code:
            latest[code] = Translation(code, _language_name(code), str(entry["text"]).strip())
    return list(latest.values())


def share_page(share: Share, request=None) -> SharePage:
    content = share_content(share, request)
    stamp = content.stamp
    recording = content.recording
    duration = recording.duration if recording is not None else None
    transcript, segments = transcript_of(stamp.transcription)
    return SharePage(
        share=share,
        content=content,
        shared_by=stamp.owner.name,
        shared_at=share.created_at,
        duration=duration,
        markers=markers_of(stamp.voice_tags, content.picture, duration),
        drawings=drawings_of(stamp.drawings, content.picture),
        transcript=transcript,
        segments=segments,
        translations=translations_of(stamp.translations),
        peaks=(recording.details or {}).get("peaks") if recording is not None else None,
    )


def fresh_media(share: Share, request=None) -> dict:
    """New signed links to the page's media, for a player whose link has expired."""
    content = share_content(share, request)
    return {
        role: link.as_dict() if link else None for role, link in (("audio", content.audio), ("image", content.image))
    }


# --- link previews (Open Graph, Twitter cards) -------------------------------------------------
@dataclass(frozen=True)
class LinkPreview:
    title: str
    description: str
    url: str
    image_url: str | None = None
    image_width: int | None = None
    image_height: int | None = None


def preview_file(share: Share) -> StampFile | None:
    """The picture a link preview shows: the thumbnail, else the first image; only for public shares."""
    if share.privacy != Share.Privacy.PUBLIC:
        return None
    files = StampFile.objects.filter(stamp_id=share.stamp_id, role__in=[StampFile.Role.THUMBNAIL, StampFile.Role.IMAGE])
    return min(files, key=lambda f: (f.role != StampFile.Role.THUMBNAIL, f.position or 0, f.pk), default=None)


def link_preview(share: Share) -> LinkPreview:
    """What a pasted link shows. Only a public share shows its content; a password or private one
    says no more than that something was shared (its title, words and picture stay behind the lock).
    """
    url = public_url(share)
    if share.privacy != Share.Privacy.PUBLIC:
        return LinkPreview(
            title="A VoiceStamp was shared with you", description="Open the link to see and hear it.", url=url
        )
    stamp = share.stamp
    transcript, _ = transcript_of(stamp.transcription)
    description = (stamp.description or "").strip() or transcript or f"A VoiceStamp shared by {stamp.owner.name}."
    picture = preview_file(share)
    image_url = None
    if picture is not None:
        image_url = settings.PUBLIC_BASE_URL + reverse("stamps-share-preview", kwargs={"code": share.share_code})
    return LinkPreview(
        title=stamp.title,
        description=Truncator(" ".join(description.split())).chars(PREVIEW_DESCRIPTION_CHARS),
        url=url,
        image_url=image_url,
        image_width=picture.width if picture else None,
        image_height=picture.height if picture else None,
    )
