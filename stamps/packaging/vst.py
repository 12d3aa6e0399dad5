"""The VST container: writing it as a stream, and validating one.

A .vst file is a ZIP archive. Its first entry is ``manifest.json`` (deflated);
the assets follow, stored uncompressed (audio and images are compressed
already), each listed in the manifest's ``files`` with its path, size and
SHA-256. See docs/vst-format.md.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import zipfile
from dataclasses import dataclass
from typing import IO, Callable

FORMAT = "vst"
FORMAT_VERSION = "1.0"
MANIFEST_NAME = "manifest.json"
CHUNK_SIZE = 1024 * 1024
# ZIP64 from this size on, so a large asset never overflows a 32-bit header field.
_ZIP64_FROM = 2**31
# The state every package ships in: it is written only when the stamp's packaging succeeds.
SHIPPED_STATUS = "completed"
# Manifest lists whose items carry a time in seconds into the audio: (list, time field).
TIMED_ITEMS = (("voice_tags", "timestamp"), ("timestamps", "time"), ("drawings", "timestamp"))


@dataclass(frozen=True)
class PackageEntry:
    """One asset to package: its path inside the archive and the storage object it comes from."""

    path: str
    key: str
    size: int
    sha256: str


class InvalidPackage(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class ChecksumMismatch(Exception):
    """A stored asset no longer matches the checksum recorded when it was uploaded."""


def _safe_path(path: str) -> bool:
    normal = posixpath.normpath(path)
    return (
        bool(path)
        and normal == path
        and not path.startswith("/")
        and not path.startswith("..")
        and "\\" not in path
        and path != MANIFEST_NAME
    )


def _seconds(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def times_past_the_end(document: dict, duration) -> dict[str, str]:
    """Each voice tag, timestamp and drawing of ``document`` whose time is later than ``duration``
    seconds, by its place in the manifest ("voice_tags.2.timestamp") with the reason."""
    if not _seconds(duration):
        return {}
    late = {}
    for section, field in TIMED_ITEMS:
        items = document.get(section)
        for index, item in enumerate(items if isinstance(items, list) else []):
            moment = item.get(field) if isinstance(item, dict) else None
            if _seconds(moment) and moment > duration:
                late[f"{section}.{index}.{field}"] = f"{moment:g} s is past the end of the audio ({duration:g} s)."
    return late


def write_package(
    target: IO[bytes],
    manifest: dict,
    entries: list[PackageEntry],
    open_object: Callable[[str], IO[bytes]],
    progress: Callable[[float], None] | None = None,
) -> None:
    """Write the archive to ``target`` (a seekable file), streaming each asset in chunks.

    Each asset's bytes are hashed while they are copied; a mismatch with the
    recorded checksum raises ``ChecksumMismatch`` rather than packaging damaged data.
    """
    for entry in entries:
        if not _safe_path(entry.path):
            raise ValueError(f"unsafe path in package: {entry.path!r}")
    total = sum(entry.size for entry in entries) or 1
    done = 0
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        manifest_bytes = json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False).encode()
        archive.writestr(
            zipfile.ZipInfo(MANIFEST_NAME, date_time=(1980, 1, 1, 0, 0, 0)),
            manifest_bytes,
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for entry in entries:
            info = zipfile.ZipInfo(entry.path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = entry.size
            digest = hashlib.sha256()
            with (
                open_object(entry.key) as source,
                archive.open(info, "w", force_zip64=entry.size >= _ZIP64_FROM) as sink,
            ):
                while True:
                    chunk = source.read(CHUNK_SIZE)
                    if not chunk:
                        break
                    digest.update(chunk)
                    sink.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done / total)
            if digest.hexdigest() != entry.sha256:
                raise ChecksumMismatch(f"{entry.path} does not match its recorded checksum")


def validate_package(source: IO[bytes] | str) -> dict:
    """Check a .vst archive against this format; return its manifest or raise ``InvalidPackage``."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidPackage([f"not a ZIP archive: {exc}"]) from None
    with archive:
        infos = archive.infolist()
        if not infos or infos[0].filename != MANIFEST_NAME:
            raise InvalidPackage([f"the first entry must be {MANIFEST_NAME}"])
        try:
            manifest = json.loads(archive.read(MANIFEST_NAME))
        except (ValueError, zipfile.BadZipFile) as exc:
            raise InvalidPackage([f"{MANIFEST_NAME} is not valid JSON: {exc}"]) from None
        if not isinstance(manifest, dict):
            raise InvalidPackage([f"{MANIFEST_NAME} must be a JSON object"])
        if manifest.get("format") != FORMAT:
            problems.append(f"format must be {FORMAT!r}")
        version = str(manifest.get("format_version", ""))
        if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
            problems.append(f"unsupported format_version {version!r}")
        stamp = manifest.get("stamp")
        if isinstance(stamp, dict) and "conversion_status" in stamp and stamp["conversion_status"] != SHIPPED_STATUS:
            problems.append(
                f"stamp.conversion_status must be {SHIPPED_STATUS!r} in a package, not {stamp['conversion_status']!r}"
            )
        problems += [
            f"{place}: {reason}" for place, reason in times_past_the_end(manifest, manifest.get("duration")).items()
        ]
        names = [info.filename for info in infos]
        if len(names) != len(set(names)):
            problems.append("duplicate entries")
        listed = {}
        for item in manifest.get("files") or []:
            path = item.get("path") if isinstance(item, dict) else None
            if not isinstance(path, str) or not _safe_path(path):
                problems.append(f"unsafe or missing path in files: {path!r}")
                continue
            listed[path] = item
        by_name = {info.filename: info for info in infos[1:]}
        for extra in sorted(set(by_name) - set(listed)):
            problems.append(f"{extra} is in the archive but not in the manifest")
        for path, item in listed.items():
            info = by_name.get(path)
            if info is None:
                problems.append(f"{path} is listed but missing")
                continue
            if info.file_size != item.get("size"):
                problems.append(f"{path}: size {info.file_size} != manifest {item.get('size')}")
            digest = hashlib.sha256()
            try:
                with archive.open(info) as stream:  # reading to the end also checks the entry's CRC-32
                    for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
                        digest.update(chunk)
            except zipfile.BadZipFile as exc:
                problems.append(f"{path}: {exc}")
                continue
            if digest.hexdigest() != item.get("sha256"):
                problems.append(f"{path}: sha256 does not match the manifest")
    if problems:
        raise InvalidPackage(problems)
    return manifest
