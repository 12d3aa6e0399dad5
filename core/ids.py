"""Numeric ids from URLs and bodies, parsed in one place.

``str.isdigit`` and ``int`` accept far more than ASCII digits: ``int("٧")`` and ``int("７")`` are 7
and ``"²".isdigit()`` is true while ``int("²")`` raises. An id is ASCII digits only, and one that no
bigint primary key can hold names no row rather than overflowing the database.
"""

from __future__ import annotations

import uuid

from rest_framework import serializers

MAX_ID = 2**63 - 1  # the largest bigint primary key
OUT_OF_RANGE = MAX_ID + 1  # what a longer number parses to: a valid number that names no row


def parse_id(raw) -> int | None:
    """A non-negative integer written in ASCII digits (or a JSON integer), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    text = str(raw)
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    # int() refuses digit strings past 4300 characters; anything past 19 digits names no row anyway.
    return int(digits) if len(digits) <= len(str(MAX_ID)) else OUT_OF_RANGE


def parse_uuid(raw) -> uuid.UUID | None:
    """A UUID written in ASCII hex (``uuid.UUID`` alone also reads other scripts' digits), else None."""
    text = str(raw)
    if not text.isascii():
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


class IdConverter:
    """``<id:name>`` in a URL: the segment as ``parse_id`` reads it, or None when it is not an id.

    Any segment matches, so the view answers a non-id in its API's own words (a 404 after
    authentication, or the partner API's "not a number" error) rather than the URL not resolving.
    """

    regex = "[^/]+"

    def to_python(self, value: str) -> int | None:
        return parse_id(value)

    def to_url(self, value) -> str:
        return str(value)


class IdField(serializers.IntegerField):
    """A numeric id in a request body: a JSON integer or ASCII digits, read by ``parse_id``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = parse_id(data)
        if value is None:
            self.fail("invalid")
        return super().to_internal_value(value)
