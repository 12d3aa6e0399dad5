"""The embedded default's throttle counters (one file per caller and window) do not pile up: the
beat sweep deletes the files no window can read any more, and only those."""

import hashlib
import os
import time

from django.conf import settings as django_settings
from django.core.cache import caches

from core import throttles
from voiceplatform.celery import app


def _files_of(counters, key):
    name = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
    return sorted(counters.glob(f"{name}.*"))


def test_the_sweep_deletes_the_counters_of_callers_who_did_not_come_back(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "core.cache.FileBasedCache", "LOCATION": str(tmp_path / "cache")}}
    settings.THROTTLE_RATES = {"auth": "5/minute", "translate": "3/hour"}
    for caller in ("left", "stays", "stays"):
        assert throttles.count_request(caller, "3/hour") is None
    counters = caches["default"].counters_dir
    (left,) = _files_of(counters, "left")
    # The caller who left made their request more than two of the longest windows (hours) ago.
    aged = time.time() - 2 * 3600 - 5
    os.utime(left, (aged, aged))

    assert throttles.sweep_counters() == 1
    assert _files_of(counters, "left") == []
    # The caller still counted keeps their count: one more request is the third of three.
    assert len(_files_of(counters, "stays")) == 1
    assert throttles.count_request("stays", "3/hour") is None
    assert throttles.count_request("stays", "3/hour") is not None


def test_the_sweep_runs_from_beat():
    (entry,) = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "core.sweep_throttle_counters"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
