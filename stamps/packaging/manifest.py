"""The manifest: one versioned JSON document describing a stamp and its files.

The same document is served by GET .../manifest and written first into every
.vst package; in a package each file also carries its ``path`` in the archive.
"""

from __future__ import annotations

from .. import links
from . import vst
from ..models import Stamp, StampFile

# Roles packaged into a .vst, and the folder each goes to inside the archive.
PACKAGED_ROLES = {
    StampFile.Role.AUDIO: "audio/original",
    StampFile.Role.AUDIO_AAC: "audio",
    StampFile.Role.AUDIO_OPUS: "audio",
    StampFile.Role.IMAGE: "images",
    StampFile.Role.THUMBNAIL: "thumbnail",
    StampFile.Role.WAVEFORM: "waveform",
}


def describe_file(item: StampFile) -> dict:
    described = {
        "role": item.role,
        "filename": item.filename,
        "url": links.file_path(item.stamp_id, item.role, item.filename),
        "key": item.key,
        "sha256": item.sha256,
        "size": item.size,
        "content_type": item.content_type,
    }
    if item.duration is not None:
        described["duration"] = item.duration
    if item.width is not None:
        described["width"], described["height"] = item.width, item.height
    if item.position is not None:
        described["position"] = item.position
    return described


def package_path_for(item: StampFile) -> str:
    return f"{PACKAGED_ROLES[item.role]}/{item.filename}"


def build(stamp: Stamp, files: list[StampFile], *, for_package: bool = False) -> dict:
    """The manifest of ``stamp``; ``files`` are its StampFile rows (already loaded)."""
    listed = [f for f in files if f.role in PACKAGED_ROLES]
    described = []
    for item in listed:
        entry = describe_file(item)
        if for_package:
            entry["path"] = package_path_for(item)
        described.append(entry)
    audio = next((f for f in files if f.role == StampFile.Role.AUDIO), None)
    thumbnail = next((f for f in files if f.role == StampFile.Role.THUMBNAIL), None)
    return {
        "format": vst.FORMAT,
        "format_version": vst.FORMAT_VERSION,
        "manifest_version": stamp.manifest_version,
        "stamp": {
            "id": stamp.pk,
            "user_id": str(stamp.owner_id),
            "title": stamp.title,
            "description": stamp.description,
            # A package is written while the stamp is processing and ships only when that succeeds.
            "conversion_status": vst.SHIPPED_STATUS if for_package else stamp.conversion_status,
            "created_at": stamp.created_at.isoformat(),
            "updated_at": stamp.updated_at.isoformat(),
        },
        "duration": audio.duration if audio else None,
        "metadata": stamp.metadata,
        "voice_tags": stamp.voice_tags,
        "timestamps": stamp.timestamps,
        "files": described,
        "drawings": stamp.drawings,
        "texts": stamp.texts,
        "transcription": stamp.transcription,
        "translations": stamp.translations,
        "thumbnails": [{"filename": thumbnail.filename, "url": links.thumbnail_path(stamp.pk), **thumbnail.details}]
        if thumbnail
        else [],
    }
