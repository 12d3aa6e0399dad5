"""Health of the dependencies, for /readyz: each check runs in its own thread and the answer
comes within READINESS_BUDGET seconds whatever hangs; a check still running then is reported
``timeout``. Workers prove they are alive with a heartbeat in the cache (any broker works)."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from voiceplatform.celery import app as celery_app

from .storage import object_storage

logger = logging.getLogger(__name__)

READINESS_BUDGET = 1.3
WORKER_HEARTBEAT_KEY = "worker-heartbeat"

# Threads that outlive the budget (a hung dependency) finish in the background, bounded by the
# dependency timeouts; a small pool keeps a flood of probes from piling up threads.
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


def _cache():
    cache.get("readyz")


def _broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(
            max_retries=1,
            interval_start=0,
            interval_step=0.2,
            interval_max=0.2,
            timeout=settings.DEPENDENCY_CONNECT_TIMEOUT,
        )


def _storage():
    object_storage.exists(".readyz")
    if object_storage.is_local:
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)


def _worker():
    last_seen = cache.get(WORKER_HEARTBEAT_KEY)
    if last_seen is None or time.time() - last_seen > 3 * settings.WORKER_HEARTBEAT_SECONDS:
        raise RuntimeError("no worker heartbeat")


# The web serves while these answer; a missing worker is reported but does not take the web
# out of rotation (requests still commit, and jobs wait queued for a worker).
SERVING_CHECKS = {"database": _database, "cache": _cache, "broker": _broker, "storage": _storage}
REPORTED_CHECKS = {"worker": _worker}


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, {check: ok|unavailable|timeout}) within READINESS_BUDGET seconds."""
    checks = {**SERVING_CHECKS, **REPORTED_CHECKS}
    futures = {name: _pool.submit(check) for name, check in checks.items()}
    wait(futures.values(), timeout=READINESS_BUDGET)
    results = {}
    for name, future in futures.items():
        if not future.done():
            logger.warning("readiness check %s timed out", name)
            results[name] = "timeout"
        elif future.exception() is not None:
            logger.warning("readiness check %s failed: %s", name, future.exception())
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    return all(results[name] == "ok" for name in SERVING_CHECKS), results


class WorkerHeartbeat:
    """Runs in a worker's main process: records in the cache that a worker is alive."""

    def __init__(self):
        self._stopped = threading.Event()

    def start(self):
        threading.Thread(target=self._run, name="worker-heartbeat", daemon=True).start()

    def stop(self):
        self._stopped.set()

    def _run(self):
        while True:
            try:
                cache.set(WORKER_HEARTBEAT_KEY, time.time(), timeout=3 * settings.WORKER_HEARTBEAT_SECONDS)
            except Exception as exc:  # noqa: BLE001 - a cache outage must not end the heartbeat
                logger.warning("worker heartbeat not recorded: %s", exc)
            if self._stopped.wait(settings.WORKER_HEARTBEAT_SECONDS):
                return
