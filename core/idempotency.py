"""Idempotency-Key on the POSTs that create something or spend credits (IETF draft
"The Idempotency-Key HTTP Header Field").

A view opts in with ``idempotent_post = True`` (``core.dialects.DialectView``); the view
then calls ``begin`` after authentication and ``finish`` with its response:

- a new key for the caller is claimed (a row, unique per caller and key) and the request runs;
- the same key again with the same request gets the stored response replayed with
  ``Idempotent-Replayed: true``, and nothing runs a second time;
- the same key with a different request (method, path or body) is 422;
- the same key while the first request still runs is 409;
- a 5xx or a throttled/conflicting answer is not stored: the key is released to retry.

Keys are scoped to the caller (user or partner API key), kept IDEMPOTENCY_KEY_TTL seconds
and purged by beat.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .dialects.base import ApiError
from .models import IdempotencyRecord
from .request_ids import current_request_id

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Headers of the first response that a replay repeats (the body's type comes from rendering).
KEPT_HEADERS = ("Location",)
# Answers that say "not done, try again": the key is released instead of stored.
RELEASED_STATUSES = {409, 429}


class Replay(Exception):
    """The request was answered before: send this stored response again."""

    def __init__(self, record: IdempotencyRecord):
        super().__init__(record.key)
        self.record = record

    def response(self) -> Response:
        headers = {**self.record.response_headers, REPLAYED_HEADER: "true"}
        response = Response(self.record.response_body, status=self.record.status, headers=headers)
        # Stored as sent: the dialect must not wrap it again.
        response.enveloped = True
        return response


@dataclass
class Claim:
    record: IdempotencyRecord


def caller_scope(request) -> str | None:
    """Whose keys these are: the partner API key, else the authenticated user."""
    partner_key = getattr(request, "partner_key", None)
    if partner_key is not None:
        return f"partner-key:{partner_key.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def read_key(request) -> str | None:
    """The header's key; the draft sends it as a structured-field string ("..."), bare is accepted."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or not all(0x20 <= ord(ch) < 0x7F for ch in key):
        raise ApiError("bad_request", message=f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII characters.")
    return key


def fingerprint(request) -> str:
    """SHA-256 over method, path, query and the parsed body (files by content), so a client's
    retry with a new multipart boundary still matches."""
    digest = hashlib.sha256()
    files = getattr(request, "FILES", {})
    data = request.data
    if hasattr(data, "lists"):
        fields = {name: values for name, values in data.lists() if name not in files}
    else:
        fields = data
    file_hashes = {}
    for name in sorted(files):
        hashes = []
        for upload in files.getlist(name):
            file_digest = hashlib.sha256()
            for chunk in upload.chunks():
                file_digest.update(chunk)
            upload.seek(0)
            hashes.append(file_digest.hexdigest())
        file_hashes[name] = hashes
    canonical = {
        "method": request.method,
        "path": request.path,
        "query": sorted(request.query_params.lists()),
        "data": fields,
        "files": file_hashes,
        # A partner's test-mode call must not answer for a live one.
        "mode": getattr(request, "partner_mode", None),
    }
    digest.update(json.dumps(canonical, sort_keys=True, cls=JSONEncoder, separators=(",", ":")).encode())
    return digest.hexdigest()


def begin(request) -> Claim | None:
    """Claim the request's key, or raise ``Replay``/``ApiError``. None when no key was sent."""
    key = read_key(request)
    scope = caller_scope(request)
    if key is None or scope is None:
        return None
    request_fingerprint = fingerprint(request)
    now = timezone.now()
    fresh = {
        "fingerprint": request_fingerprint,
        "method": request.method,
        "path": request.path[:500],
        "request_id": current_request_id(),
        "created_at": now,
    }
    try:
        with transaction.atomic():
            return Claim(IdempotencyRecord.objects.create(scope=scope, key=key, **fresh))
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if record is None or _stale(record, now):
        return _take_over(scope, key, record, fresh)
    if record.fingerprint != request_fingerprint:
        raise ApiError("idempotency_key_reused")
    if record.status is None:
        raise ApiError("idempotency_key_in_use")
    logger.info("replaying the response to %s %s for key %s", record.method, record.path, key)
    raise Replay(record)


def _stale(record: IdempotencyRecord, now) -> bool:
    """Expired keys start afresh; so does an in-flight claim whose process died long ago."""
    if record.created_at < now - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL):
        return True
    return record.status is None and record.created_at < now - timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT)


def _take_over(scope, key, record, fresh) -> Claim:
    if record is None:
        # Released between our insert and our read: claim it again (once; a second race is a 409).
        try:
            with transaction.atomic():
                return Claim(IdempotencyRecord.objects.create(scope=scope, key=key, **fresh))
        except IntegrityError:
            raise ApiError("idempotency_key_in_use") from None
    taken = IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).update(
        status=None, response_body=None, response_headers={}, completed_at=None, **fresh
    )
    if not taken:
        raise ApiError("idempotency_key_in_use")
    record.refresh_from_db()
    return Claim(record)


def finish(claim: Claim, response) -> None:
    """Store the response for replays, or release the key when the request did not complete."""
    status = response.status_code
    record = claim.record
    if status >= 500 or status in RELEASED_STATUSES:
        IdempotencyRecord.objects.filter(pk=record.pk, status__isnull=True, created_at=record.created_at).delete()
        return
    body = getattr(response, "data", None)
    stored_body = json.loads(json.dumps(body, cls=JSONEncoder)) if body is not None else None
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).update(
        status=status, response_body=stored_body, response_headers=headers, completed_at=timezone.now()
    )


def purge_expired() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
