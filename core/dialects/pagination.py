"""Strict pagination parameters shared by the dialects' paginators.

DRF's own paginators silently ignore bad values; our APIs answer a clear
validation error in their own shape instead (``limit=-1`` is a 4xx, not page 1).
Every paging parameter has an upper bound, declared in the OpenAPI too: an offset
past a bigint overflows the database, and no list is that long.
"""

import math

from rest_framework import serializers
from rest_framework.pagination import BasePagination

from core import ids

from .base import DialectResponse

MAX_PAGE = 1_000_000
MAX_OFFSET = 1_000_000_000


def read_int(request, name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    negative = raw.startswith("-")
    value = ids.parse_id(raw[1:] if negative else raw)
    if value is None:
        raise serializers.ValidationError({name: [f"{name} must be an integer."]})
    if negative:
        value = -value
    if value < minimum:
        raise serializers.ValidationError({name: [f"{name} must be at least {minimum}."]})
    if value > maximum:
        raise serializers.ValidationError({name: [f"{name} must be at most {maximum}."]})
    return value


def int_parameter(name: str, *, minimum: int, maximum: int) -> dict:
    """The OpenAPI query parameter for a value ``read_int`` reads with these bounds."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": minimum, "maximum": maximum},
    }


class PageNumberPagination(BasePagination):
    """``?page=&<size_param>=`` over a queryset: one COUNT and one page query.

    Subclasses name the size parameter and shape the body (``body`` and ``body_schema``).
    """

    size_param = "limit"
    default_size = 20
    max_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.page = read_int(request, "page", 1, minimum=1, maximum=MAX_PAGE)
        default = getattr(view, "default_limit", self.default_size)
        self.size = read_int(request, self.size_param, default, minimum=1, maximum=self.max_size)
        self.total = queryset.count()
        start = (self.page - 1) * self.size
        if start >= self.total:
            # Past the last page there is nothing to read, and a huge OFFSET overflows the database.
            return []
        return list(queryset[start : start + self.size])

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.size) if self.total else 0

    def get_paginated_response(self, data):
        return DialectResponse(self.body(data))

    def body(self, data) -> dict:
        raise NotImplementedError

    def get_paginated_response_schema(self, schema):
        return self.body_schema(schema)

    def body_schema(self, schema) -> dict:
        raise NotImplementedError

    def get_schema_operation_parameters(self, view):
        return [
            int_parameter("page", minimum=1, maximum=MAX_PAGE),
            int_parameter(self.size_param, minimum=1, maximum=self.max_size),
        ]
