"""API dialects: each API's envelope, error body, status mapping and pagination.

A view declares the dialect it speaks (``dialect = STAMPS``) by inheriting from
``DialectView``; the success envelope, every error body and pagination follow from
it. Views return plain payloads and raise ``ApiError`` (or DRF exceptions); they
never build an envelope by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from ..errors import DomainError
from ..outages import is_outage, unavailable_error
from ..request_ids import NO_REQUEST, current_request_id

logger = logging.getLogger(__name__)

# Building blocks of the dialects' OpenAPI schemas.
STRING_SCHEMA = {"type": "string"}
FIELDS_SCHEMA = {"type": "object", "additionalProperties": {"type": "array", "items": STRING_SCHEMA}}


@dataclass
class ApiError(Exception):
    """An error the API reports to its client.

    ``kind`` names a generic situation (see ``GENERIC_KINDS``) whose status, code and
    message each dialect words in its own way; a domain error passes its own
    ``status``/``code``/``message`` instead. ``fields`` carries per-field messages,
    ``extra`` keys a dialect documents beside the code (``invalidUrls``,
    ``affectedGenerations``).
    """

    kind: str = "bad_request"
    message: str | None = None
    code: str | int | None = None
    status: int | None = None
    fields: dict[str, list[str]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.kind}: {self.message or self.code}"


GENERIC_KINDS = (
    "bad_request",
    "not_authenticated",
    "permission_denied",
    "not_found",
    "method_not_allowed",
    "not_acceptable",
    "unsupported_media_type",
    "too_large",
    "validation",
    "throttled",
    "conflict",
    "gone",
    "payment_required",
    "server_error",
    "unavailable",
    # Idempotency-Key (core/idempotency.py): reused with another request; first request still running.
    "idempotency_key_reused",
    "idempotency_key_in_use",
)


_GENERIC_OF_DOMAIN_KIND = {
    "invalid": "validation",
    "not_found": "not_found",
    "conflict": "conflict",
    "forbidden": "permission_denied",
    "payment_required": "payment_required",
    "too_large": "too_large",
    "too_many": "throttled",
    "unavailable": "unavailable",
}


@dataclass
class ResponseMeta:
    """What a view may say beside its payload (a dialect decides where it goes)."""

    message: str | None = None
    notices: list[dict] = field(default_factory=list)
    count: int | None = None


class DialectResponse(Response):
    """A success response carrying ``ResponseMeta`` for the dialect's envelope."""

    def __init__(self, data=None, status=None, *, meta: ResponseMeta | None = None, **kwargs):
        super().__init__(data=data, status=status, **kwargs)
        self.meta = meta or ResponseMeta()


class Dialect:
    """Base dialect. Subclasses set ``name``, ``generic``, ``pagination_class`` and the bodies."""

    name = "base"
    # kind -> (HTTP status, code, default message)
    generic: dict[str, tuple[int, Any, str]] = {}
    pagination_class = None
    # The key that carries the request id in a 5xx body, so a user can quote it.
    request_id_key = "request_id"
    # URL path prefixes this dialect answers for outside DRF (404/500 handlers).
    path_prefixes: tuple[str, ...] = ()
    # A DomainError's stable code -> how this API words it: any of ``kind`` (a generic kind),
    # ``code``, ``status``, ``message`` (replacing the domain's message; a function of the error
    # where the spec puts the error's details, such as a refused file's name, in the message).
    domain_codes: dict[str, dict[str, Any]] = {}
    # The generic kind of an ``invalid`` domain error that names no field.
    invalid_without_fields = "validation"

    # --- success ---------------------------------------------------------------
    def success_body(self, data: Any, meta: ResponseMeta, request, status_code: int) -> Any:
        return data

    # --- OpenAPI (core/schema.py asks the view's dialect) -----------------------
    def success_schema(self, inner: dict) -> dict:
        """The schema of ``success_body`` around a payload described by ``inner``."""
        return inner

    def error_schema(self, status_code: str) -> dict:
        """The schema of ``error_body`` for an error answered with ``status_code``."""
        raise NotImplementedError

    # --- errors ----------------------------------------------------------------
    def resolve(self, error: ApiError) -> tuple[int, Any, str]:
        status_code, code, message = self.generic.get(error.kind, self.generic["bad_request"])
        return (
            error.status or status_code,
            error.code if error.code is not None else code,
            error.message or message,
        )

    def error_body(self, error: ApiError, request) -> dict:
        raise NotImplementedError

    def validation_error(self, detail, request) -> ApiError:
        """Turn a DRF ValidationError detail into this dialect's validation error."""
        return ApiError("validation", fields=flatten_errors(detail))

    def error_response(self, error: ApiError, request) -> Response:
        status_code, _, _ = self.resolve(error)
        response = Response(self.full_error_body(error, request), status=status_code, headers=error.headers or None)
        response.is_dialect_error = True
        return response

    def full_error_body(self, error: ApiError, request) -> dict:
        """The error body; a server error names the request id the logs carry."""
        status_code, _, _ = self.resolve(error)
        if status_code >= 500:
            error.extra = {**error.extra, self.request_id_key: current_request_id() or NO_REQUEST}
        return self.error_body(error, request)

    def domain_error(self, exc: DomainError) -> ApiError:
        """The API's words for a domain error: its kind's generic situation, unless this dialect
        documents the error's code (``domain_codes``)."""
        kind = _GENERIC_OF_DOMAIN_KIND[exc.kind]
        if exc.kind == "invalid" and exc.fields is None:
            kind = self.invalid_without_fields
        wording = self.domain_codes.get(exc.code, {})
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
        message = wording.get("message", exc.message or None)
        return ApiError(
            wording.get("kind", kind),
            message=message(exc) if callable(message) else message,
            code=wording.get("code"),
            status=wording.get("status"),
            fields=exc.fields,
            extra=dict(exc.extra),
            headers=headers,
        )

    # --- exceptions ------------------------------------------------------------
    def to_api_error(self, exc: Exception, request) -> ApiError | None:
        if isinstance(exc, ApiError):
            return exc
        if isinstance(exc, DomainError):
            return self.domain_error(exc)
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, exceptions.ValidationError):
            return self.validation_error(exc.detail, request)
        if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            if getattr(exc, "status_code", 401) == status.HTTP_403_FORBIDDEN:
                # DRF downgrades to 403 when no authenticator offers a challenge.
                return ApiError("permission_denied", headers=headers)
            return ApiError("not_authenticated", message=_custom_message(exc), headers=headers)
        if isinstance(exc, (exceptions.PermissionDenied, DjangoPermissionDenied)):
            return ApiError("permission_denied", message=_custom_message(exc), headers=headers)
        if isinstance(exc, (exceptions.NotFound, Http404)):
            return ApiError("not_found", message=_custom_message(exc))
        if isinstance(exc, exceptions.MethodNotAllowed):
            return ApiError("method_not_allowed", message=str(exc.detail))
        if isinstance(exc, exceptions.NotAcceptable):
            return ApiError("not_acceptable")
        if isinstance(exc, exceptions.UnsupportedMediaType):
            return ApiError("unsupported_media_type", message=str(exc.detail))
        if isinstance(exc, exceptions.Throttled):
            return ApiError("throttled", headers=headers)
        if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
            return ApiError("too_large")
        if isinstance(exc, exceptions.ParseError):
            return ApiError("bad_request", message=str(exc.detail))
        if isinstance(exc, exceptions.APIException):
            return ApiError("bad_request", status=exc.status_code, message=str(exc.detail))
        if is_outage(exc):
            logger.warning(
                "dependency unavailable in %s %s: %r",
                getattr(request, "method", "?"),
                getattr(request, "path", "?"),
                exc,
            )
            return unavailable_error()
        return None

    def handle_exception(self, exc: Exception, request) -> Response:
        error = self.to_api_error(exc, request)
        if error is None:
            logger.exception(
                "unhandled error in %s %s",
                getattr(request, "method", "?"),
                getattr(request, "path", "?"),
                exc_info=exc,
            )
            error = ApiError("server_error")
        return self.error_response(error, request)


_DRF_DEFAULT_DETAILS = {
    str(cls.default_detail)
    for cls in (
        exceptions.NotAuthenticated,
        exceptions.AuthenticationFailed,
        exceptions.PermissionDenied,
        exceptions.NotFound,
    )
}


def _custom_message(exc) -> str | None:
    """The message a view or authenticator chose, or None to use the dialect's wording."""
    detail = getattr(exc, "detail", None)
    if detail is None:
        text = str(exc) if str(exc) and not isinstance(exc, Http404) else ""
        return text or None
    text = str(detail)
    return None if text in _DRF_DEFAULT_DETAILS else text


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF error detail (nested dicts and lists) -> {"field.sub": ["message", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else "non_field_errors"
            for sub, messages in flatten_errors(value, f"{prefix}{name}" if not prefix else f"{prefix}.{name}").items():
                out.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item in ({}, []):
                    continue
                for sub, messages in flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    out.setdefault(sub, []).extend(messages)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out
