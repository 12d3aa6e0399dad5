"""Names for processes that other processes can check: ``host:pid``. Used by job leases (who
holds a job) and scratch folders (whose folder is stale)."""

from __future__ import annotations

import os
import socket


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
    return False
