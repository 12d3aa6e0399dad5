"""Uploaded files as paths, for engines that read files (ffprobe, Pillow, WORLD)."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def local_upload_path(upload) -> Iterator[Path]:
    """A filesystem path holding the upload's bytes while the block runs.

    Django already spools large uploads to a temporary file, which is used as it is; uploads it
    kept in memory are copied to a temporary file that is removed afterwards.
    """
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    with tempfile.NamedTemporaryFile(prefix="upload-") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, 1024 * 1024)
        copy.flush()
        yield Path(copy.name)
