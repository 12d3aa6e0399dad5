"""Request bodies refused by size before they are read, for every route in one place.

Each view may declare ``max_body_bytes`` (an int, or a callable read at request time so settings
apply); every other view gets ``REQUEST_MAX_BODY_BYTES``, and staff in the admin get
``ADMIN_MAX_BODY_BYTES`` (the admin takes recordings). ``RequestBodyLimitMiddleware`` compares the
declared Content-Length with the view's limit before any parser touches the stream and answers
413 in the view's API dialect; a body without a Content-Length is read through a stream that stops
at the limit.

A ``Transfer-Encoding: chunked`` body has no Content-Length, and Django reads a request without one
as empty (an upload arrived as "No file was submitted"). When the server has already de-chunked it
(gunicorn sets ``wsgi.input_terminated``) the body is spooled, up to the view's limit, and given
the length Django needs; a server that passes the raw chunks gets a clear 411.
"""

from __future__ import annotations

import tempfile
from typing import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponse, JsonResponse

from .dialects import ApiError, dialect_for_path

# Room for a multipart form's other fields and the part headers around its files.
MULTIPART_OVERHEAD = 64 * 1024

BodyLimit = int | Callable[[], int] | None


def upload_body_limit(setting: str, files: int = 1) -> Callable[[], int]:
    """The body limit of a form carrying ``files`` uploads of at most ``settings.<setting>`` bytes each."""
    return lambda: files * getattr(settings, setting) + MULTIPART_OVERHEAD


def upload_limit(setting: str, message: str, *, field: str | None = None) -> tuple[Callable[[], int], staticmethod]:
    """``max_body_bytes`` and ``body_too_large`` for a view taking one file of at most
    ``settings.<setting>`` bytes: the 413 says ``message`` (``{max}`` is that setting's value, in the
    API's own words) and, where the API names fields, puts the refusal on ``field``:
    ``max_body_bytes, body_too_large = upload_limit("X_MAX_BYTES", "... at most {max} bytes.", field="f")``.
    """

    def too_large(limit: int) -> ApiError:
        fields = {field: [f"The {field.replace('_', ' ')} is too large."]} if field else None
        return ApiError("too_large", message=message.format(max=getattr(settings, setting)), fields=fields)

    return upload_body_limit(setting), staticmethod(too_large)


def body_limit(limit: BodyLimit):
    """Declare a function view's body limit (apply it below decorators that wrap the view).
    ``None``: the view bounds its own body before reading it (the upload slot, whose limit travels
    in its signed token)."""

    def declare(view):
        view.max_body_bytes = limit
        return view

    return declare


class LimitedBody:
    """A request stream that raises RequestDataTooBig past ``limit`` bytes (bodies of unknown length)."""

    def __init__(self, stream, limit: int):
        self._stream = stream
        self._remaining = limit

    def _count(self, data: bytes) -> bytes:
        self._remaining -= len(data)
        if self._remaining < 0:
            raise RequestDataTooBig("The request body exceeds the limit of this route.")
        return data

    def read(self, size: int = -1) -> bytes:
        # Read one byte past the limit at most: enough to know it was crossed.
        bound = self._remaining + 1 if size is None or size < 0 else min(size, self._remaining + 1)
        return self._count(self._stream.read(bound))

    def readline(self, size: int = -1) -> bytes:
        bound = self._remaining + 1 if size is None or size < 0 else min(size, self._remaining + 1)
        return self._count(self._stream.readline(bound))

    def close(self):
        close = getattr(self._stream, "close", None)
        if close:
            close()


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "view_class", None)
        limit = _limit_of(request, view_func, view_class)
        if limit is None:
            return None
        declared = _content_length(request)
        if declared is not None and declared > limit:
            return _too_large(request, view_class, limit)
        if declared is None and _is_chunked(request):
            return _read_chunked_body(request, view_class, limit)
        if declared is None:
            # No length declared: whatever reads the body stops at the limit.
            request._stream = LimitedBody(request._stream, limit)
        return None


def _is_chunked(request) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


def _read_chunked_body(request, view_class, limit: int) -> HttpResponse | None:
    """Spool a de-chunked body (at most ``limit`` bytes) and give the request its length."""
    if not request.environ.get("wsgi.input_terminated"):
        return _error(
            request,
            view_class,
            411,
            ApiError("bad_request", status=411, message="Send the body with a Content-Length header."),
        )
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    source = LimitedBody(request.environ["wsgi.input"], limit)
    try:
        while chunk := source.read(64 * 1024):
            spool.write(chunk)
    except RequestDataTooBig:
        spool.close()
        return _too_large(request, view_class, limit)
    size = spool.tell()
    spool.seek(0)
    request.META["CONTENT_LENGTH"] = str(size)
    # The spool is a temporary file in this process's scratch; it goes when the request does.
    request._stream = LimitedStream(spool, size)
    return None


def _limit_of(request, view_func, view_class) -> int | None:
    for holder in (view_class, view_func):
        if holder is not None and hasattr(holder, "max_body_bytes"):
            limit = holder.max_body_bytes
            return limit() if callable(limit) else limit
    match = request.resolver_match
    if match is not None and "admin" in match.namespaces and getattr(request.user, "is_staff", False):
        return settings.ADMIN_MAX_BODY_BYTES
    return settings.REQUEST_MAX_BODY_BYTES


def _content_length(request) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _too_large(request, view_class, limit: int) -> HttpResponse:
    too_large = getattr(view_class, "body_too_large", None)
    error = (
        too_large(limit)
        if too_large
        else ApiError("too_large", message=f"The request body may be at most {limit} bytes.")
    )
    return _error(request, view_class, 413, error)


def _error(request, view_class, plain_status: int, error: ApiError) -> HttpResponse:
    dialect = getattr(view_class, "dialect", None) or dialect_for_path(request.path)
    if dialect is None:
        return HttpResponse(error.message, status=plain_status, content_type="text/plain; charset=utf-8")
    status_code, _, _ = dialect.resolve(error)
    return JsonResponse(dialect.error_body(error, request), status=status_code, safe=False)
