"""Voice Gallery dialect: ``{"success": true, "data"}`` and
``{"success": false, "error": {"code", "message", "fields"}}``."""

from .. import errors
from .base import FIELDS_SCHEMA, STRING_SCHEMA, ApiError, Dialect, ResponseMeta
from .pagination import PageNumberPagination

VALIDATION_ERROR = "VALIDATION_ERROR"
VOICE_NOT_FOUND = "VOICE_NOT_FOUND"
INVALID_FILE_TYPE = "INVALID_FILE_TYPE"
FILE_TOO_LARGE = "FILE_TOO_LARGE"
INVALID_S3_URL = "INVALID_S3_URL"
VOICE_IN_USE = "VOICE_IN_USE"
SUBMISSION_NOT_FOUND = "SUBMISSION_NOT_FOUND"


class GalleryPagination(PageNumberPagination):
    """``?page=&size=`` -> ``{"items": [...], "pagination": {page, size, totalItems, ...}}``."""

    size_param = "size"
    default_size = 10
    max_size = 100

    def body(self, data):
        return {
            "items": data,
            "pagination": {
                "page": self.page,
                "size": self.size,
                "totalItems": self.total,
                "totalPages": self.pages,
                "hasNextPage": self.page < self.pages,
                "hasPreviousPage": self.page > 1,
            },
        }

    def body_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "pagination"],
            "properties": {
                "items": schema,
                "pagination": {
                    "type": "object",
                    "properties": {
                        "page": {"type": "integer"},
                        "size": {"type": "integer"},
                        "totalItems": {"type": "integer"},
                        "totalPages": {"type": "integer"},
                        "hasNextPage": {"type": "boolean"},
                        "hasPreviousPage": {"type": "boolean"},
                    },
                },
            },
        }


def _file_too_large(exc) -> str:
    return f"File size {exc.size} bytes exceeds maximum of {exc.max_bytes} bytes ({exc.max_bytes // (1024 * 1024)}MB)"


def _not_mp3(exc) -> str:
    return f"Only MP3 files are allowed. {exc.name} is not MP3 audio."


class GalleryDialect(Dialect):
    name = "gallery"
    path_prefixes = ("/api/v1/voice-gallery", "/api/v1/tts-submissions")
    pagination_class = GalleryPagination
    request_id_key = "requestId"
    domain_codes = {
        errors.VOICE_NOT_FOUND: {"code": VOICE_NOT_FOUND},
        errors.VOICE_IN_USE: {"code": VOICE_IN_USE},
        errors.INVALID_FILE_TYPE: {"code": INVALID_FILE_TYPE},
        errors.FILE_TOO_LARGE: {"code": FILE_TOO_LARGE},
        errors.INVALID_SAMPLE_URL: {"code": INVALID_S3_URL},
        # A sample refused at intake: 400 with the spec's codes, naming the size or the file.
        errors.AUDIO_TOO_LARGE: {"kind": "validation", "code": FILE_TOO_LARGE, "message": _file_too_large},
        errors.AUDIO_UNREADABLE: {"kind": "validation", "code": INVALID_FILE_TYPE, "message": _not_mp3},
    }
    generic = {
        "bad_request": (400, "BAD_REQUEST", "The request could not be processed"),
        "not_authenticated": (401, "UNAUTHORIZED", "Authentication is required"),
        "payment_required": (402, "PAYMENT_REQUIRED", "Not enough credits"),
        "permission_denied": (403, "FORBIDDEN", "Admin access is required"),
        "not_found": (404, "NOT_FOUND", "Resource not found"),
        "method_not_allowed": (405, "METHOD_NOT_ALLOWED", "Method not allowed"),
        "not_acceptable": (406, "NOT_ACCEPTABLE", "Not acceptable"),
        "conflict": (409, "CONFLICT", "Conflict"),
        "gone": (410, "GONE", "Gone"),
        "too_large": (413, "PAYLOAD_TOO_LARGE", "The request body is too large"),
        "unsupported_media_type": (415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
        "validation": (400, VALIDATION_ERROR, "Validation failed"),
        "throttled": (429, "RATE_LIMIT_EXCEEDED", "Too many requests, retry later"),
        "server_error": (500, "INTERNAL_ERROR", "An unexpected error occurred"),
        "unavailable": (503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable, retry later"),
        "idempotency_key_reused": (
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was used with a different request",
        ),
        "idempotency_key_in_use": (
            409,
            "IDEMPOTENCY_KEY_IN_USE",
            "A request with this Idempotency-Key is still being processed",
        ),
    }

    def success_body(self, data, meta: ResponseMeta, request, status_code):
        body = {"success": True}
        if meta.message:
            body["message"] = meta.message
        body["data"] = data
        return body

    def success_schema(self, inner):
        return {
            "type": "object",
            "required": ["success", "data"],
            "properties": {"success": {"type": "boolean"}, "message": STRING_SCHEMA, "data": inner},
        }

    def error_schema(self, status_code):
        return {
            "type": "object",
            "required": ["success", "error"],
            "properties": {
                "success": {"type": "boolean", "enum": [False]},
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": STRING_SCHEMA, "message": STRING_SCHEMA, "fields": FIELDS_SCHEMA},
                },
            },
        }

    def error_body(self, error: ApiError, request):
        _, code, message = self.resolve(error)
        inner = {"code": code, "message": message}
        if error.fields is not None:
            inner["fields"] = error.fields
        inner.update(error.extra)
        return {"success": False, "error": inner}


GALLERY = GalleryDialect()
