"""Reads of the Voice Gallery, with their related rows fetched once here."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

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


# Built once (a queryset is lazy; each use below takes a fresh copy): building the filters,
# ordering and twelve named columns cost about as much as running the page's query.
_ORDER = ("order_number", "name_sort_key", "name", "id")
_ALIVE_ROWS = Voice.objects.alive().order_by(*_ORDER).values(*LISTED_FIELDS)
_PUBLISHED_ROWS = Voice.objects.published().order_by(*_ORDER).values(*LISTED_FIELDS)
_SAMPLE_KEYS = VoiceSample.objects.order_by("position").values_list("voice_id", "key")


def voices_for_listing(user) -> QuerySet:
    """Rows (dicts of LISTED_FIELDS) of alive voices by orderNumber then name. Non-admins only
    ever see published ones; admins see all (gallery.filters.VoiceFilter narrows them).
    Pass the page through ``with_sample_keys`` before rendering it."""
    return (_ALIVE_ROWS if is_gallery_admin(user) else _PUBLISHED_ROWS).all()


def with_sample_keys(rows: list[dict]) -> list[dict]:
    """Add ``sample_keys`` (in position order) to voice rows with one query for all of them.

    Plain rows rather than model instances: the public list renders up to 100 voices and
    their samples per request, and building model objects was most of its cost."""
    keys: dict = {row["id"]: [] for row in rows}
    for voice_id, key in _SAMPLE_KEYS.filter(voice_id__in=list(keys)):
        keys[voice_id].append(key)
    for row in rows:
        row["sample_keys"] = keys[row["id"]]
    return rows


def voice_for_reading(user, voice_id) -> dict | None:
    """The voice's row (with sample keys) if it exists, is not deleted and (for non-admins) is published."""
    parsed = parse_id(voice_id)
    if parsed is None:
        return None
    queryset = Voice.objects.alive() if is_gallery_admin(user) else Voice.objects.published()
    row = queryset.filter(pk=parsed).values(*LISTED_FIELDS).first()
    return None if row is None else with_sample_keys([row])[0]


def submissions_of(user) -> QuerySet:
    return TtsSubmission.objects.filter(user=user).select_related("voice", "job").order_by("-created_at", "-id")


def submission_of(user, submission_id) -> TtsSubmission | None:
    parsed = parse_id(submission_id)
    return None if parsed is None else submissions_of(user).filter(pk=parsed).first()
