"""Loaded with ``-p`` before Django reads its settings: the test run's environment.

Tests get their own data dir, Celery queue and cache prefix, so they never touch
the data of a `make run` on the same machine, nor a previous run's leftovers.

Under pytest-xdist each worker process is a run of its own (data dir, queue, cache prefix;
pytest-django gives each its own database), so workers never take each other's jobs or
share a broker folder. Workers inherit the controller's environment: a value the controller
chose here is re-chosen per worker, a value set by the caller is kept and suffixed.
"""

import os
import uuid
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
_RUN = os.environ.setdefault("VOICEPLATFORM_TEST_RUN", uuid.uuid4().hex[:8])
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... or "" without xdist


def _per_worker(name: str, default: str) -> None:
    """Set ``name`` to ``default`` unless the caller set it; under xdist, suffix it with the worker."""
    value = os.environ.get(name, default)
    if _WORKER and not value.endswith(f"-{_WORKER}"):
        value = f"{value}-{_WORKER}"
    os.environ[name] = value


_per_worker("VOICEPLATFORM_DATA_DIR", str(_ROOT / "var" / "test"))
_per_worker("CELERY_TASK_DEFAULT_QUEUE", f"test-{_RUN}")
_per_worker("CACHE_KEY_PREFIX", f"test-{_RUN}")
os.environ.setdefault("PASSWORD_HASHERS", "django.contrib.auth.hashers.MD5PasswordHasher")
os.environ.setdefault("THROTTLE_AUTH", "10000/minute")
os.environ.setdefault("PUBLIC_BASE_URL", "http://testserver")
# Each test run has its own database, so runs side by side never drop each other's
# (pytest-django adds the xdist worker's suffix itself).
os.environ.setdefault(
    "DATABASE_TEST_NAME",
    f"test-db-{_RUN}.sqlite3"
    if not os.environ.get("DATABASE_URL", "").startswith("postgres")
    else f"test_voiceplatform_{_RUN}",
)
# Playwright's sync API runs an event loop in the test thread; the ORM calls made
# around it in browser tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
