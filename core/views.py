"""Views of the shared mechanisms: signed downloads and upload slots on local
disk, and the health checks."""

import uuid

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import health
from .body_limits import body_limit
from .http import serve_file
from .storage import object_storage


@require_GET
def signed_download(request, token):
    payload = object_storage.read_download_token(token)
    if payload is None:
        return JsonResponse({"detail": "This link is invalid or has expired."}, status=403)
    key = payload["k"]
    if not object_storage.exists(key):
        return JsonResponse({"detail": "Not found."}, status=404)
    return serve_file(
        request,
        object_storage.open(key),
        size=object_storage.size(key),
        content_type=payload.get("ct") or "application/octet-stream",
        etag=None,
        filename=payload.get("fn"),
    )


@csrf_exempt
@require_http_methods(["PUT"])
@body_limit(None)  # the limit travels in the signed token, checked against Content-Length below
def upload_slot(request, token):
    """The local-disk twin of an S3 presigned PUT: bound to one key, type and size."""
    payload = object_storage.read_upload_token(token)
    if payload is None:
        return JsonResponse({"detail": "This upload URL is invalid or has expired."}, status=403)
    content_type = (request.content_type or "").split(";")[0].strip()
    if content_type != payload["ct"]:
        return JsonResponse({"detail": f"Content-Type must be {payload['ct']}."}, status=400)
    try:
        length = int(request.headers.get("Content-Length", ""))
    except ValueError:
        return JsonResponse({"detail": "Content-Length is required."}, status=411)
    if length > payload["max"]:
        return JsonResponse({"detail": f"The object may be at most {payload['max']} bytes."}, status=413)
    # Written aside and renamed into place: a retried PUT replaces the object (as on S3), and a
    # body cut short leaves the previous object untouched.
    staged = object_storage.put(f"{payload['k']}.part-{uuid.uuid4().hex}", _BodyReader(request, length), content_type)
    if staged.size != length:
        object_storage.delete(staged.key)
        return JsonResponse({"detail": "The body was shorter than Content-Length."}, status=400)
    object_storage.replace_with(staged.key, payload["k"])
    response = HttpResponse(status=200)
    response["ETag"] = f'"{staged.sha256}"'
    return response


class _BodyReader:
    """Reads at most ``length`` bytes of a request body, as a file."""

    def __init__(self, request, length):
        self._request = request
        self._remaining = length

    def read(self, size=-1):
        if self._remaining <= 0:
            return b""
        size = self._remaining if size is None or size < 0 else min(size, self._remaining)
        data = self._request.read(size)
        self._remaining -= len(data)
        return data

    def seekable(self):
        return False


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_GET
def gateway_healtz(request):
    """The Respeecher gateway's liveness probe, under its own spelling and body (schema OK)."""
    return JsonResponse({"state": "OK"})


@require_GET
def readyz(request):
    ready, checks = health.readiness()
    status = (
        "ok" if ready and all(value == "ok" for value in checks.values()) else ("degraded" if ready else "unavailable")
    )
    return JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)
