"""Reads of the Voice Gallery, with their related rows fetched once here."""

from __future__ import annotations

import json
import uuid

from django.db.models import Aggregate, OuterRef, QuerySet, Subquery, TextField

from core import ids

from .models import TtsSubmission, Voice, VoiceSample


def is_gallery_admin(user) -> bool:
    """Admins curate the gallery: staff accounts, which the OIDC admin role claim also grants."""
    return bool(user and user.is_authenticated and user.is_staff)


def parse_id(raw) -> uuid.UUID | None:
    return ids.parse_uuid(raw)


LISTED_FIELDS = (
    "id",
    "name",
    "voice_characteristic",
    "order_number",
    "voice_is_ai",
    "is_published",
    "created_at",
    "updated_at",
    "created_by_user_id",
    "created_by_name",
    "updated_by_user_id",
    "updated_by_name",
)


class _PositionedKeys(Aggregate):
    """The samples' ``[[position, key], ...]`` as JSON text, in no particular order: SQLite (3.40
    here) has no ORDER BY inside an aggregate, so ``with_sample_keys`` sorts them."""

    function = "json_group_array"
    template = "%(function)s(json_array(%(expressions)s))"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, function="json_agg", template="%(function)s(json_build_array(%(expressions)s))::text"
        )


# A voice's samples ride in its row (a subquery; NULL for a voice without any) rather than in a
# query of their own: that query cost more than the page's.
_SAMPLES = Subquery(
    VoiceSample.objects.filter(voice=OuterRef("pk"))
    .values("voice")
    .annotate(pairs=_PositionedKeys("position", "key"))
    .values("pairs")
)
# Built once (a queryset is lazy; each use below takes a fresh copy): building the filters,
# ordering and columns cost about as much as running the page's query.
_ORDER = ("order_number", "name_sort_key", "name", "id")
_ALIVE_ROWS = Voice.objects.alive().order_by(*_ORDER).values(*LISTED_FIELDS, positioned_sample_keys=_SAMPLES)
_PUBLISHED_ROWS = Voice.objects.published().order_by(*_ORDER).values(*LISTED_FIELDS, positioned_sample_keys=_SAMPLES)


def voices_for_listing(user) -> QuerySet:
    """Rows (dicts of LISTED_FIELDS) of alive voices by orderNumber then name. Non-admins only
    ever see published ones; admins see all (gallery.filters.VoiceFilter narrows them).
    Pass the page through ``with_sample_keys`` before rendering it."""
    return (_ALIVE_ROWS if is_gallery_admin(user) else _PUBLISHED_ROWS).all()


def with_sample_keys(rows: list[dict]) -> list[dict]:
    """Turn each row's ``positioned_sample_keys`` into ``sample_keys``, in position order.

    Plain rows rather than model instances: the public list renders up to 100 voices and
    their samples per request, and building model objects was most of its cost."""
    for row in rows:
        row["sample_keys"] = [key for _, key in sorted(json.loads(row.pop("positioned_sample_keys") or "[]"))]
    return rows


def voice_for_reading(user, voice_id) -> dict | None:
    """The voice's row (with sample keys) if it exists, is not deleted and (for non-admins) is published."""
    parsed = parse_id(voice_id)
    if parsed is None:
        return None
    row = voices_for_listing(user).filter(pk=parsed).first()
    return None if row is None else with_sample_keys([row])[0]


def submissions_of(user) -> QuerySet:
    return TtsSubmission.objects.filter(user=user).select_related("voice", "job").order_by("-created_at", "-id")


def submission_of(user, submission_id) -> TtsSubmission | None:
    parsed = parse_id(submission_id)
    return None if parsed is None else submissions_of(user).filter(pk=parsed).first()
