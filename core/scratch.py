"""Scratch space: every process keeps its temporary files (engine scratch folders, Django's
temporary uploads) in a folder of its own under the data dir, named after the process. A process
that is killed leaves its folder behind; the next process to start on the host removes the
folders of processes that no longer exist."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from . import processes

logger = logging.getLogger(__name__)


def scratch_root() -> Path:
    return Path(settings.SCRATCH_DIR)


def use_own_scratch() -> Path:
    """Make this process's temporary files go to its own folder; remove stale folders first."""
    remove_stale_scratch()
    directory = scratch_root() / processes.process_name().replace(":", "-pid")
    directory.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(directory)
    atexit.register(_remove_at_exit, directory, os.getpid())
    return directory


def _remove_at_exit(directory: Path, owner_pid: int) -> None:
    # A forked child inherits the parent's exit hooks: only the owner removes its folder.
    if os.getpid() == owner_pid:
        shutil.rmtree(directory, ignore_errors=True)


def _owner_of(folder: Path) -> str:
    host, _, pid = folder.name.rpartition("-pid")
    return f"{host}:{pid}"


def remove_stale_scratch() -> int:
    """Remove the scratch folders of dead processes on this host; returns the bytes freed."""
    root = scratch_root()
    if not root.is_dir():
        return 0
    freed = 0
    for folder in root.iterdir():
        if not folder.is_dir() or not processes.is_dead(_owner_of(folder)):
            continue
        size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())
        shutil.rmtree(folder, ignore_errors=True)
        freed += size
        logger.info("removed stale scratch %s (%s bytes)", folder.name, size)
    return freed
