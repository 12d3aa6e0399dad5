"""Script files identified by their content, never by their name or declared type."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO

SNIFF_BYTES = 8192
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Bytes that never occur in a text script (C0 controls other than tab, newlines and form feed).
_CONTROL_BYTES = bytes(set(range(0, 32)) - {9, 10, 12, 13})


@dataclass(frozen=True)
class ScriptType:
    name: str
    extension: str
    content_type: str


TXT = ScriptType("txt", ".txt", "text/plain; charset=utf-8")
RTF = ScriptType("rtf", ".rtf", "application/rtf")
PDF = ScriptType("pdf", ".pdf", "application/pdf")
DOCX = ScriptType("docx", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
ODT = ScriptType("odt", ".odt", "application/vnd.oasis.opendocument.text")
ACCEPTED = (TXT, RTF, PDF, DOCX, ODT)
ACCEPTED_NAMES = ", ".join(kind.name for kind in ACCEPTED)


def detect(fileobj: IO[bytes]) -> ScriptType | None:
    """The accepted type ``fileobj`` holds, or None. Leaves the file at its start."""
    try:
        fileobj.seek(0)
        head = fileobj.read(SNIFF_BYTES)
        if head.startswith(b"%PDF-"):
            return PDF if _pdf_has_trailer(fileobj) else None
        if head.startswith(b"{\\rtf"):
            return RTF
        if head.startswith(b"PK\x03\x04"):
            return _office_document(fileobj)
        return TXT if _is_text(fileobj) else None
    finally:
        fileobj.seek(0)


def _pdf_has_trailer(fileobj: IO[bytes]) -> bool:
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(max(size - 2048, 0))
    return b"%%EOF" in fileobj.read()


def _office_document(fileobj: IO[bytes]) -> ScriptType | None:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return DOCX
            if "mimetype" in names and "content.xml" in names and archive.read("mimetype").strip() == ODT_MIMETYPE:
                return ODT
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, ValueError):
        return None
    return None


def _is_text(fileobj: IO[bytes]) -> bool:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16 text without control characters."""
    fileobj.seek(0)
    data = fileobj.read()
    if not data:
        return False
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return False
        return not any(ord(char) < 32 and char not in "\t\n\f\r" for char in text)
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return len(data.translate(None, _CONTROL_BYTES)) == len(data)
