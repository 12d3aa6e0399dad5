"""Exports as zip archives streamed while they are written: stored objects are read in
chunks and each chunk leaves as soon as it is in the archive, so memory stays bounded
whatever the size of the project. Entries are stored, not deflated (audio is already
compressed or not worth the CPU), with data descriptors because the output is not seekable.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Iterable, Iterator

from core.storage import object_storage

from .models import Folder, Recording

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class ExportEntry:
    name: str  # path inside the archive
    key: str  # storage key of the content
    size: int
    modified: datetime


class _Pipe:
    """A write-only, non-seekable sink that hands back what was written since the last drain."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def stream_zip(entries: Iterable[ExportEntry]) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=_zip_time(entry.modified))
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = entry.size
            with object_storage.open(entry.key) as source, archive.open(info, "w") as target:
                while chunk := source.read(CHUNK_SIZE):
                    target.write(chunk)
                    yield pipe.drain()
            yield pipe.drain()
    yield pipe.drain()


def _zip_time(moment: datetime) -> tuple:
    # Zip timestamps cannot go before 1980.
    return max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))


def _clean(part: str) -> str:
    part = re.sub(r"[\\/\x00-\x1f:*?\"<>|]+", "_", part).strip(" .")
    return part[:100] or "untitled"


class _Names:
    """Unique archive paths: a second "take.wav" in the same place becomes "take (2).wav"."""

    def __init__(self):
        self._used: set[str] = set()

    def unique(self, path: str) -> str:
        candidate, counter = path, 2
        pure = PurePosixPath(path)
        while candidate.lower() in self._used:
            candidate = str(pure.with_name(f"{pure.stem} ({counter}){pure.suffix}"))
            counter += 1
        self._used.add(candidate.lower())
        return candidate


def _file_name(recording: Recording) -> str:
    stem = recording.label or PurePosixPath(recording.file_name).stem or str(recording.pk)
    return f"{_clean(stem)}.{recording.audio_format or 'bin'}"


def project_entries(recordings: Iterable[Recording], folders: Iterable[Folder]) -> list[ExportEntry]:
    """Folders become directories; a conversion sits in a directory named after its original.
    ``recordings`` must come with ``original`` selected."""
    by_id = {folder.pk: folder for folder in folders}

    def folder_path(folder_id) -> str:
        parts, seen = [], set()
        while folder_id is not None and folder_id in by_id and folder_id not in seen:
            seen.add(folder_id)
            parts.append(_clean(by_id[folder_id].name))
            folder_id = by_id[folder_id].parent_id
        return "/".join(reversed(parts))

    names = _Names()
    entries = []
    for recording in recordings:
        directory = folder_path(recording.parent_folder_id)
        if recording.type == Recording.Type.CONVERTED:
            # ``original`` comes with the row (select_related), starred or not.
            directory = f"{directory}/{PurePosixPath(_file_name(recording.original)).stem}"
        name = names.unique(f"{directory}/{_file_name(recording)}")
        entries.append(ExportEntry(name, recording.audio_key, recording.size, recording.created_at))
    return entries


def conversion_entries(recordings: Iterable[Recording]) -> list[ExportEntry]:
    names = _Names()
    return [
        ExportEntry(names.unique(_file_name(recording)), recording.audio_key, recording.size, recording.created_at)
        for recording in recordings
    ]


def archive_name(stem: str) -> str:
    return f"{_clean(stem)}.zip"
