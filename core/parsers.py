"""JSON read with bounds, for request bodies and JSON carried inside form fields.

Python's decoder recurses once per nesting level: a body of 5,000 ``[`` raises RecursionError,
which no API should answer with a 500. Documents stored whole in a JSON column are also checked
for NUL characters, which PostgreSQL's jsonb cannot hold (text fields refuse them in DRF already).
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class UnsafeJson(ValueError):
    """The text is JSON this platform refuses (too deep, or holding a NUL character)."""


def loads(text: str | bytes, *, refuse_nul: bool = False) -> Any:
    """``json.loads`` bounded to ``JSON_MAX_DEPTH`` levels (and free of NUL characters if asked)."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise UnsafeJson(f"JSON may be nested at most {settings.JSON_MAX_DEPTH} levels deep.") from None
    check(value, refuse_nul=refuse_nul)
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON.")


def check(value: Any, *, refuse_nul: bool = False) -> None:
    """Raise UnsafeJson if ``value`` nests deeper than JSON_MAX_DEPTH (or, if asked, a string holds NUL).

    Walked with an explicit stack: a recursive check would fail on exactly the input it guards."""
    limit = settings.JSON_MAX_DEPTH
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if refuse_nul and "\x00" in item:
                raise UnsafeJson("JSON strings may not contain the NUL character (\\u0000).")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth > limit:
            raise UnsafeJson(f"JSON may be nested at most {limit} levels deep.")
        if isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        else:
            stack.extend((child, depth + 1) for child in item)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser through ``loads``: a refused document is the API's 400 parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return loads(codecs.getreader(encoding)(stream).read())
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
