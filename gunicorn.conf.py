"""gunicorn settings shared by the Procfile, the Dockerfile and docker-compose (`-c gunicorn.conf.py`).

gunicorn believes X-Forwarded-Proto and friends only from `forwarded_allow_ips`; its own
default trusts 127.0.0.1. The list is the app's TRUSTED_PROXIES, so gunicorn and Django
(core.throttles.client_address) trust the same proxies, and none unless configured.

Metrics: every gunicorn worker counts its own HTTP requests; prometheus-client's multiprocess
mode adds them up at scrape time from files in PROMETHEUS_MULTIPROC_DIR (a directory of the
web server's own, emptied when it starts, a dead worker's files marked as such).
"""

import os
import shutil
from pathlib import Path

forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "")

# Set here, in the master, before any worker imports prometheus-client.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    str(Path(os.environ.get("VOICEPLATFORM_DATA_DIR", Path(__file__).resolve().parent / "var")) / "metrics-web"),
)


def on_starting(server):
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
