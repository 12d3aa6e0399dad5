"""Serving stored objects over HTTP: streamed, with ETag and single-range requests
(players seek with ``Range: bytes=...``)."""

from __future__ import annotations

import re
from typing import IO
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK_SIZE = 64 * 1024


def _read_range(fileobj: IO[bytes], start: int, length: int):
    try:
        fileobj.seek(start)
        remaining = length
        while remaining > 0:
            data = fileobj.read(min(CHUNK_SIZE, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        fileobj.close()


def serve_file(
    request,
    fileobj: IO[bytes],
    *,
    size: int,
    content_type: str,
    etag: str | None = None,
    filename: str | None = None,
    attachment: bool = False,
    cache_seconds: int = 0,
) -> HttpResponse:
    """Stream ``fileobj`` (``size`` bytes) honouring If-None-Match and a single Range."""
    quoted_etag = f'"{etag}"' if etag else None
    if quoted_etag and request.headers.get("If-None-Match") == quoted_etag:
        fileobj.close()
        response = HttpResponse(status=304)
        response["ETag"] = quoted_etag
        return response

    range_header = request.headers.get("Range", "")
    match = _RANGE.match(range_header.strip()) if range_header else None
    if_range = request.headers.get("If-Range")
    if match and (not if_range or if_range == quoted_etag):
        first, last = match.groups()
        if first == "" and last == "":
            match = None
        elif first == "":
            start, end = max(size - int(last), 0), size - 1
        else:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        if match is not None:
            if start >= size or start > end:
                fileobj.close()
                response = HttpResponse(status=416)
                response["Content-Range"] = f"bytes */{size}"
                return response
            length = end - start + 1
            response = StreamingHttpResponse(_read_range(fileobj, start, length), status=206, content_type=content_type)
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(length)
            _common_headers(response, quoted_etag, filename, attachment, cache_seconds)
            return response

    response = FileResponse(fileobj, content_type=content_type)
    response["Content-Length"] = str(size)
    _common_headers(response, quoted_etag, filename, attachment, cache_seconds)
    return response


def _common_headers(response, quoted_etag, filename, attachment, cache_seconds):
    response["Accept-Ranges"] = "bytes"
    if quoted_etag:
        response["ETag"] = quoted_etag
    response["Cache-Control"] = f"private, max-age={cache_seconds}" if cache_seconds else "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    if filename:
        kind = "attachment" if attachment else "inline"
        response["Content-Disposition"] = f"{kind}; filename*=UTF-8''{quote(filename)}"
    elif attachment:
        response["Content-Disposition"] = "attachment"
