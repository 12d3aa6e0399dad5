"""VoiceStamps dialect: ``{"success": true, ...}``; errors ``{"error", "message", "errors"}``."""

from .. import errors
from .base import FIELDS_SCHEMA, STRING_SCHEMA, ApiError, Dialect, ResponseMeta
from .pagination import PageNumberPagination

INVALID_TOKEN = "invalid_token"
RESOURCE_NOT_FOUND = "resource_not_found"
VALIDATION_FAILED = "validation_failed"


class StampsPagination(PageNumberPagination):
    """``?page=&limit=`` -> ``{"data": [...], "pagination": {page, limit, total, pages}}``."""

    size_param = "limit"
    default_size = 20
    max_size = 100

    def body(self, data):
        return {
            "data": data,
            "pagination": {"page": self.page, "limit": self.size, "total": self.total, "pages": self.pages},
        }

    def body_schema(self, schema):
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "properties": {k: {"type": "integer"} for k in ("page", "limit", "total", "pages")},
                },
            },
        }


class StampsDialect(Dialect):
    name = "stamps"
    path_prefixes = ("/api/v1/",)
    pagination_class = StampsPagination
    # A share link's refusals: an expired link is gone, a locked one asks for its password (401).
    domain_codes = {
        errors.SHARE_EXPIRED: {"kind": "gone"},
        errors.SHARE_PASSWORD_REQUIRED: {"kind": "not_authenticated", "code": errors.SHARE_PASSWORD_REQUIRED},
        errors.SHARE_PASSWORD_INVALID: {"kind": "not_authenticated", "code": errors.SHARE_PASSWORD_INVALID},
        errors.SHARE_PRIVATE: {"code": errors.SHARE_PRIVATE},
    }
    generic = {
        "bad_request": (400, "bad_request", "The request could not be processed"),
        "not_authenticated": (401, INVALID_TOKEN, "The provided token is invalid or expired"),
        "payment_required": (402, "payment_required", "Not enough credits"),
        "permission_denied": (403, "forbidden", "You do not have permission to perform this action"),
        "not_found": (404, RESOURCE_NOT_FOUND, "Resource not found"),
        "method_not_allowed": (405, "method_not_allowed", "Method not allowed"),
        "not_acceptable": (406, "not_acceptable", "Cannot produce the requested content type"),
        "conflict": (409, "conflict", "The request conflicts with the current state"),
        "gone": (410, "gone", "This resource has expired"),
        "too_large": (413, "payload_too_large", "The request body is too large"),
        "unsupported_media_type": (415, "unsupported_media_type", "Unsupported media type"),
        "validation": (422, VALIDATION_FAILED, "The given data was invalid"),
        "throttled": (429, "rate_limited", "Too many requests"),
        "server_error": (500, "server_error", "An unexpected error occurred"),
        "unavailable": (503, "service_unavailable", "The service is temporarily unavailable, retry later"),
        "idempotency_key_reused": (
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request",
        ),
        "idempotency_key_in_use": (
            409,
            "idempotency_key_in_use",
            "A request with this Idempotency-Key is still being processed",
        ),
    }

    def success_body(self, data, meta: ResponseMeta, request, status_code):
        body = {"success": True}
        if isinstance(data, dict):
            body.update(data)
        elif data is not None:
            body["data"] = data
        if meta.message:
            body["message"] = meta.message
        return body

    def success_schema(self, inner):
        flag = {"type": "object", "required": ["success"], "properties": {"success": {"type": "boolean"}}}
        if inner.get("type") == "array":
            return {"allOf": [flag, {"type": "object", "properties": {"data": inner}}]}
        return {"allOf": [flag, inner]}

    def error_schema(self, status_code):
        return {
            "type": "object",
            "required": ["error", "message"],
            "properties": {"error": STRING_SCHEMA, "message": STRING_SCHEMA, "errors": FIELDS_SCHEMA},
        }

    def error_body(self, error: ApiError, request):
        _, code, message = self.resolve(error)
        body = {"error": code, "message": message}
        if error.fields is not None:
            body["errors"] = error.fields
        body.update(error.extra)
        return body


STAMPS = StampsDialect()
