"""Reads: a user's stamps and files, loaded with their files in one extra query."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from core import ids
from core.db import CompiledLookup
from core.errors import DomainError

from .models import Stamp, StampFile

STAMP_NOT_FOUND = "VoiceStamp not found"
FILE_NOT_FOUND = "File not found"


def parse_id(raw) -> int | None:
    """A stamp id from a URL, or None when it cannot name a stamp (so the answer is a 404)."""
    value = ids.parse_id(raw)
    return value if value is not None and 0 < value <= ids.MAX_ID else None


def stamps_for_user(user) -> QuerySet[Stamp]:
    """The caller's stamps, newest first (filtered by stamps.filters.StampFilter in the list)."""
    return _with_files(Stamp.objects.filter(owner=user)).order_by("-created_at", "-id")


def stamp_for_user(user, raw_id, *, for_update: bool = False, related: bool = True) -> Stamp:
    """The caller's stamp, or the API's 404 (another user's stamp is not found, never forbidden);
    with its jobs and files loaded unless ``related`` is False (then ``files_of`` is one query)."""
    stamp_id = parse_id(raw_id)
    if stamp_id is None or not getattr(user, "is_authenticated", False):
        raise DomainError("not_found", STAMP_NOT_FOUND)
    if for_update or related:
        queryset = Stamp.objects.filter(owner=user, pk=stamp_id)
        if for_update:
            queryset = queryset.select_for_update()
        else:
            queryset = _with_files(queryset.select_related("package_job", "transcription_job"))
        stamp = queryset.first()
    else:
        # The sharing endpoints check ownership on every request: a lookup compiled once.
        stamp = _STAMP_BY_ID.first(stamp_id)
    if stamp is None or stamp.owner_id != user.pk:
        raise DomainError("not_found", STAMP_NOT_FOUND)
    return stamp


_STAMP_BY_ID = CompiledLookup(Stamp, "id")


# Prefetched into a plain list: a prefetch into the related manager builds a filtered queryset
# for every stamp of a page, which cost more than reading the files (docs/platform/performance.md).
_PREFETCHED_FILES = "prefetched_files"


def _with_files(queryset: QuerySet[Stamp]) -> QuerySet[Stamp]:
    ordered = StampFile.objects.order_by("role", "position", "id")
    return queryset.prefetch_related(Prefetch("files", queryset=ordered, to_attr=_PREFETCHED_FILES))


def files_of(stamp: Stamp) -> list[StampFile]:
    """The stamp's files: the ones loaded with it by a selector, else one query."""
    prefetched = getattr(stamp, _PREFETCHED_FILES, None)
    return list(prefetched) if prefetched is not None else list(stamp.files.all())


def file_of_stamp(stamp: Stamp, filename: str, roles) -> StampFile:
    for item in files_of(stamp):
        if item.filename == filename and item.role in roles:
            return item
    raise DomainError("not_found", FILE_NOT_FOUND)


def file_for_user(user, filename: str) -> StampFile:
    """Any file of any of the caller's stamps, by its public name (GET /api/v1/files/{filename})."""
    item = StampFile.objects.select_related("stamp").filter(filename=filename[:100], stamp__owner=user).first()
    if item is None:
        raise DomainError("not_found", FILE_NOT_FOUND)
    return item


def current_file(stamp: Stamp, role: str) -> StampFile | None:
    return next((item for item in files_of(stamp) if item.role == role), None)


def images_of(stamp: Stamp) -> list[StampFile]:
    return sorted((f for f in files_of(stamp) if f.role == StampFile.Role.IMAGE), key=lambda f: (f.position, f.pk))
