"""Object storage: one service for every app, on local disk or S3.

Objects are private. Keys are generated here (``new_key``), never taken from a
client's file name. Writes stream in chunks and report size and SHA-256;
downloads go through short-lived signed URLs (S3 presigned GET, or on local
disk a view that checks an HMAC-signed expiring token); direct uploads get an
upload slot (S3 presigned PUT, or on local disk a signed PUT endpoint), so the
same client code works on both.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages

from .routes import RoutePath
from .signed_tokens import TokenSigner

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
_download_tokens = TokenSigner("core.storage.download")
_upload_tokens = TokenSigner("core.storage.upload")
# The routes taking a signed token (core.routes.RoutePath: reversed once, and with a request the
# absolute URL around the token built once per request). Building it for each URL cost more than
# signing it (a gallery page hands out 40 of them).
_DOWNLOAD_PATH = RoutePath("core:signed-download", "token", "TOKEN")
_UPLOAD_PATH = RoutePath("core:upload-slot", "token", "TOKEN")


def _token_url(route: RoutePath, token: str, *, request=None, absolute: bool = True) -> str:
    """``route``'s path for ``token``, made absolute with ``request``'s host or else PUBLIC_BASE_URL."""
    if request is None or not absolute:
        path = route(token)
        return f"{settings.PUBLIC_BASE_URL}{path}" if absolute else path
    return route.absolute(token, request)


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    content_type: str


@dataclass(frozen=True)
class UploadSlot:
    url: str
    method: str
    headers: dict[str, str]
    expires_in: int
    key: str


class _HashingReader(File):
    """Wraps a file so reading it (by ``read`` or ``chunks``) also hashes and counts it."""

    def __init__(self, fileobj: IO[bytes]):
        super().__init__(fileobj)
        self._reset()

    def _reset(self):
        self.digest = hashlib.sha256()
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        self.bytes_read += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET):
        if offset == 0 and whence == os.SEEK_SET:
            self._reset()
        return self.file.seek(offset, whence)

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        if self.file.seekable():
            self.seek(0)
        while True:
            data = self.read(chunk_size or CHUNK_SIZE)
            if not data:
                break
            yield data

    @property
    def size(self):
        # Unknown up front for a stream; storages that need it fall back to reading.
        try:
            return os.fstat(self.file.fileno()).st_size
        except (AttributeError, OSError, ValueError):
            return getattr(self.file, "size", None)


def new_key(prefix: str, extension: str = "") -> str:
    """A fresh, unguessable key under ``prefix`` (``stamps/12/audio/3f9c...e1.mp3``)."""
    extension = extension if not extension or extension.startswith(".") else f".{extension}"
    return f"{prefix.strip('/')}/{uuid.uuid4().hex}{extension.lower()}"


class ObjectStorage:
    """The storage service. Reads ``settings.STORAGES['default']`` on every use."""

    @property
    def backend(self):
        return storages["default"]

    @property
    def is_local(self) -> bool:
        return isinstance(self.backend, FileSystemStorage)

    # --- writes ----------------------------------------------------------------
    def put(self, key: str, fileobj: IO[bytes], content_type: str | None = None) -> StoredObject:
        """Stream ``fileobj`` to ``key``; never holds the whole object in memory."""
        content_type = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        reader = _HashingReader(fileobj)
        if hasattr(fileobj, "seek") and getattr(fileobj, "seekable", lambda: True)():
            reader.seek(0)
        backend = self.backend
        if self.is_local:
            saved = backend.save(key, reader)
        else:
            # django-storages reads ContentType from the file's content_type attribute.
            reader.content_type = content_type
            saved = backend.save(key, reader)
        if saved != key:
            # Keys are unique by construction; a renamed save means a collision we must not hide.
            backend.delete(saved)
            raise FileExistsError(f"storage key already exists: {key}")
        return StoredObject(
            key=key, size=reader.bytes_read, sha256=reader.digest.hexdigest(), content_type=content_type
        )

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> StoredObject:
        import io

        return self.put(key, io.BytesIO(data), content_type)

    def replace_with(self, staged_key: str, key: str) -> None:
        """Local disk: move the staged object to ``key`` in one rename, replacing what was there.

        Readers see the old object or the whole new one, never a half-written file; this is what
        S3 gives a second PUT to the same key, which the local upload slot imitates."""
        if not self.is_local:
            raise NotImplementedError("S3 replaces an object on PUT; nothing is staged there")
        os.replace(self.backend.path(staged_key), self.backend.path(key))

    def delete(self, key: str) -> None:
        if key:
            self.backend.delete(key)

    def delete_many(self, keys) -> None:
        for key in keys:
            try:
                self.delete(key)
            except OSError:
                logger.warning("could not delete storage object %s", key, exc_info=True)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns the bytes removed. Raises OSError (or the
        S3 client's error) when an object could not be deleted, so the caller can try again."""
        removed = 0
        for key in self.list(prefix):
            removed += self.size(key)
            self.delete(key)
        return removed

    # --- reads -----------------------------------------------------------------
    def open(self, key: str) -> IO[bytes]:
        return self.backend.open(key, "rb")

    def download(self, key: str, target: str | Path) -> Path:
        """Stream the object to the local file ``target`` (never read whole into memory)."""
        target = Path(target)
        with self.open(key) as source, target.open("wb") as sink:
            shutil.copyfileobj(source, sink, CHUNK_SIZE)
        return target

    def exists(self, key: str) -> bool:
        return bool(key) and self.backend.exists(key)

    def size(self, key: str) -> int:
        return self.backend.size(key)

    def modified_time(self, key: str):
        """When the object was last written (an aware datetime)."""
        return self.backend.get_modified_time(key)

    def list(self, prefix: str = "") -> list[str]:
        """Every key under ``prefix``, recursively."""
        prefix = prefix.strip("/")
        keys: list[str] = []
        stack = [prefix]
        while stack:
            current = stack.pop()
            try:
                dirs, files = self.backend.listdir(current)
            except FileNotFoundError:
                continue
            base = f"{current}/" if current else ""
            keys.extend(f"{base}{name}" for name in files)
            stack.extend(f"{base}{name}" for name in dirs)
        return sorted(keys)

    def local_path(self, key: str) -> str | None:
        return self.backend.path(key) if self.is_local else None

    # --- signed URLs -----------------------------------------------------------
    def signed_url(
        self,
        key: str,
        *,
        expires: int | None = None,
        filename: str | None = None,
        content_type: str | None = None,
        request=None,
        absolute: bool = True,
    ) -> str:
        """A short-lived URL that serves the object to whoever holds it. ``absolute=False`` gives a
        local object's URL without a host, for pages of this site (the admin) that staff may reach
        by another address than PUBLIC_BASE_URL; an S3 URL is always absolute."""
        expires = expires or settings.SIGNED_URL_TTL
        disposition = f"inline; filename*=UTF-8''{quote(filename)}" if filename else None
        if not self.is_local:
            # Whoever holds the URL may read the object (a share's recording, a package): S3 is told
            # to answer no-store, as core.headers does for our own signed downloads.
            params = {"ResponseCacheControl": "no-store"}
            if disposition:
                params["ResponseContentDisposition"] = disposition
            if content_type:
                params["ResponseContentType"] = content_type
            return self.backend.url(key, parameters=params, expire=expires)
        token = _download_tokens.sign({"k": key, "fn": filename, "ct": content_type}, expires_in=expires)
        return _token_url(_DOWNLOAD_PATH, token, request=request, absolute=absolute)

    def read_download_token(self, token: str) -> dict | None:
        return _download_tokens.read(token)

    def upload_slot(
        self,
        key: str,
        *,
        content_type: str,
        max_size: int,
        expires: int | None = None,
        request=None,
        content_length: int | None = None,
    ) -> UploadSlot:
        """A URL a client PUTs one object to, bound to ``content_type`` and at most ``max_size`` bytes.

        On S3 the presigned PUT signs Content-Type and, when the client declared it,
        ``content_length`` (the exact size); whoever uses the slot must still check the
        stored object (size and content) before accepting it, because a presigned PUT
        cannot carry a size range.
        """
        expires = expires or settings.UPLOAD_SLOT_TTL
        headers = {"Content-Type": content_type}
        if not self.is_local:
            client = self.backend.connection.meta.client
            params = {"Bucket": self.backend.bucket_name, "Key": key, "ContentType": content_type}
            if content_length is not None:
                params["ContentLength"] = content_length
            url = client.generate_presigned_url(
                "put_object",
                Params=params,
                ExpiresIn=expires,
                HttpMethod="PUT",
            )
            return UploadSlot(url=url, method="PUT", headers=headers, expires_in=expires, key=key)
        token = _upload_tokens.sign({"k": key, "ct": content_type, "max": max_size}, expires_in=expires)
        url = _token_url(_UPLOAD_PATH, token, request=request)
        return UploadSlot(url=url, method="PUT", headers=headers, expires_in=expires, key=key)

    def read_upload_token(self, token: str) -> dict | None:
        return _upload_tokens.read(token)

    # --- object URLs (stable, not signed) --------------------------------------
    def object_url(self, key: str) -> str:
        """The stable URL naming an object (what the gallery calls an S3 URL); not a download link."""
        if not self.is_local:
            backend = self.backend
            endpoint = backend.endpoint_url
            if endpoint:
                return f"{endpoint.rstrip('/')}/{backend.bucket_name}/{quote(key)}"
            return f"https://{backend.bucket_name}.s3.amazonaws.com/{quote(key)}"
        return f"{settings.PUBLIC_BASE_URL}/storage/objects/{quote(key)}"

    def key_from_object_url(self, url: str) -> str | None:
        """The key an object URL of ours names, or None if it points anywhere else."""
        base = self.object_url("")
        if not isinstance(url, str) or not url.startswith(base):
            return None
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            return None
        key = unquote(url[len(base) :])
        if not key or key.startswith("/") or any(part in ("", ".", "..") for part in key.split("/")):
            return None
        return key


object_storage = ObjectStorage()


@contextmanager
def removed_on_failure(keys: list[str] | None = None) -> Iterator[list[str]]:
    """Objects stored for rows written inside the block: the caller appends their keys to the
    yielded list. If the block does not complete (so those rows were not written), the objects
    are deleted again and nothing is left half-written."""
    keys = [] if keys is None else keys
    completed = False
    try:
        yield keys
        completed = True
    finally:
        if not completed:
            object_storage.delete_many(keys)
