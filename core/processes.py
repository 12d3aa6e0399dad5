"""Names for processes that other processes can check: ``host:pid``. Used by job leases (who
holds a job) and scratch folders (whose folder is stale)."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def process_name() -> str:
    """This process: the host, so a process can tell its dead neighbours, and the pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_dead(name: str) -> bool:
    """True only when ``name`` is a process on this host that no longer exists."""
    host, _, pid = name.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(int(pid))


def _is_zombie(pid: int) -> bool:
    """A killed process whose parent died too stays a zombie until init reaps it (slowly, or never,
    in a container whose first process does not reap): it is dead all the same."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state follows the command name, which is in parentheses and may contain spaces.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
