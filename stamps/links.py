"""The API paths that name a stamp's files (what the VSTFile ``*_path`` fields hold)."""

from django.conf import settings

VST_PREFIX = "/api/v1/security/vst"

_ROUTE_BY_ROLE = {"audio": "audio", "audio_aac": "audio", "audio_opus": "audio", "image": "image"}


def file_path(stamp_id: int, role: str, filename: str) -> str:
    route = _ROUTE_BY_ROLE.get(role)
    if route:
        return f"{VST_PREFIX}/{stamp_id}/{route}/{filename}"
    return f"/api/v1/files/{filename}"


def thumbnail_path(stamp_id: int) -> str:
    return f"{VST_PREFIX}/{stamp_id}/thumbnail"


def package_path(stamp_id: int) -> str:
    return f"{VST_PREFIX}/{stamp_id}/package"


def download_path(stamp_id: int) -> str:
    return f"{VST_PREFIX}/{stamp_id}/download"


def absolute(path: str, request=None) -> str:
    return request.build_absolute_uri(path) if request is not None else f"{settings.PUBLIC_BASE_URL}{path}"
