"""The embedded default's cache: Django's file cache, plus the directory of throttle counters
(core.throttles), which ``clear()`` empties with the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.cache.backends.filebased import FileBasedCache as DjangoFileBasedCache


class FileBasedCache(DjangoFileBasedCache):
    @property
    def counters_dir(self) -> Path:
        return Path(self._dir) / "counters"

    def clear(self):
        super().clear()
        shutil.rmtree(self.counters_dir, ignore_errors=True)
