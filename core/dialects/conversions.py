"""Respeecher dialect: bare objects, ``{list, pagination{count, limit, offset}}`` and
``{"detail": ...}`` errors; validation errors as the gateway's HTTPValidationError."""

from rest_framework.pagination import BasePagination

from ..errors import CALIBRATION_NAME_TAKEN, NOT_RETRYABLE
from .base import STRING_SCHEMA, ApiError, Dialect, DialectResponse, ResponseMeta
from .pagination import MAX_OFFSET, int_parameter, read_int

DIRECTIONS = ("asc", "desc")


class ListPagination(BasePagination):
    """``?limit=&offset=`` -> ``{"list": [...], "pagination": {count, limit, offset}}``."""

    default_limit = 50
    max_limit = 1000

    def paginate_queryset(self, queryset, request, view=None):
        self.limit = read_int(
            request,
            "limit",
            getattr(view, "default_limit", self.default_limit),
            minimum=0,
            maximum=getattr(view, "max_limit", self.max_limit),
        )
        self.offset = read_int(request, "offset", 0, minimum=0, maximum=MAX_OFFSET)
        self.count = queryset.count()
        return list(queryset[self.offset : self.offset + self.limit])

    def get_paginated_response(self, data):
        return DialectResponse(
            {"list": data, "pagination": {"count": self.count, "limit": self.limit, "offset": self.offset}}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["list", "pagination"],
            "properties": {
                "list": schema,
                "pagination": {
                    "type": "object",
                    "properties": {k: {"type": "integer"} for k in ("count", "limit", "offset")},
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            int_parameter("limit", minimum=0, maximum=getattr(view, "max_limit", self.max_limit)),
            int_parameter("offset", minimum=0, maximum=MAX_OFFSET),
            {
                "name": "direction",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": list(DIRECTIONS)},
            },
        ]


class ConversionsDialect(Dialect):
    name = "conversions"
    path_prefixes = ("/api/",)
    pagination_class = ListPagination
    generic = {
        "bad_request": (400, None, "Bad request"),
        "not_authenticated": (401, None, "Not authenticated"),
        "payment_required": (402, None, "Not enough credits"),
        "permission_denied": (403, None, "Forbidden"),
        "not_found": (404, None, "Not found"),
        "method_not_allowed": (405, None, "Method not allowed"),
        "not_acceptable": (406, None, "Not acceptable"),
        "conflict": (409, None, "Conflict"),
        "gone": (410, None, "Gone"),
        "too_large": (413, None, "Request body too large"),
        "unsupported_media_type": (415, None, "Unsupported media type"),
        "validation": (422, None, "Validation error"),
        "throttled": (429, None, "Too many requests"),
        "server_error": (500, None, "Internal server error"),
        "unavailable": (503, None, "Service temporarily unavailable, retry later"),
        "idempotency_key_reused": (422, None, "This Idempotency-Key was used with a different request"),
        "idempotency_key_in_use": (409, None, "A request with this Idempotency-Key is still being processed"),
    }
    # The gateway answers these conflicts with 400, and clients check for it.
    # Validation errors (422) always name a field (``loc``); a refusal without one is a plain 400.
    invalid_without_fields = "bad_request"
    domain_codes = {CALIBRATION_NAME_TAKEN: {"status": 400}, NOT_RETRYABLE: {"status": 400}}

    def success_body(self, data, meta: ResponseMeta, request, status_code):
        return data

    def error_schema(self, status_code):
        if status_code == "422":
            # The gateway's HTTPValidationError.
            return {
                "type": "object",
                "properties": {
                    "detail": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["loc", "msg", "type"],
                            "properties": {
                                "loc": {"type": "array", "items": {"anyOf": [STRING_SCHEMA, {"type": "integer"}]}},
                                "msg": STRING_SCHEMA,
                                "type": STRING_SCHEMA,
                            },
                        },
                    }
                },
            }
        return {"type": "object", "required": ["detail"], "properties": {"detail": STRING_SCHEMA}}

    def error_body(self, error: ApiError, request):
        _, _, message = self.resolve(error)
        if error.kind == "validation" and error.fields is not None:
            location = "query" if getattr(request, "method", "GET") in ("GET", "HEAD") else "body"
            return {
                "detail": [
                    {"loc": [location, *name.split(".")], "msg": text, "type": "value_error"}
                    for name, messages in error.fields.items()
                    for text in messages
                ]
            }
        return {"detail": message, **error.extra}


CONVERSIONS = ConversionsDialect()
