"""Loaded with ``-p`` before Django reads its settings: the test run's environment.

Tests get their own data dir, Celery queue and cache prefix, so they never touch
the data of a `make run` on the same machine, nor a previous run's leftovers.
"""

import os
import uuid
from pathlib import Path

_RUN = uuid.uuid4().hex[:8]
_ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("VOICEPLATFORM_DATA_DIR", str(_ROOT / "var" / "test"))
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"test-{_RUN}")
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{_RUN}")
os.environ.setdefault("PASSWORD_HASHERS", "django.contrib.auth.hashers.MD5PasswordHasher")
os.environ.setdefault("THROTTLE_AUTH", "10000/minute")
os.environ.setdefault("PUBLIC_BASE_URL", "http://testserver")
# Each test run has its own database, so runs side by side never drop each other's.
os.environ.setdefault(
    "DATABASE_TEST_NAME",
    f"test-db-{_RUN}.sqlite3" if not os.environ.get("DATABASE_URL", "").startswith("postgres") else f"test_voiceplatform_{_RUN}",
)
# Playwright's sync API runs an event loop in the test thread; the ORM calls made
# around it in browser tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
