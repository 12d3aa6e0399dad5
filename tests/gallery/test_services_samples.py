"""Sample objects nobody attached to a voice are purged once they are old; named ones stay."""

import os
import time
from datetime import timedelta

import pytest

from core.storage import object_storage

pytestmark = pytest.mark.django_db


def _age(key, hours):
    path = object_storage.local_path(key)
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_old_unattached_uploads_are_purged(local_storage, make_voice, stored_sample, admin_api, settings):
    from gallery import services

    kept_voice = make_voice("Kept")
    deleted_voice = make_voice("Deleted")
    admin_api.delete(f"/api/v1/voice-gallery/{deleted_voice.pk}")
    orphan_old = object_storage.key_from_object_url(stored_sample())
    orphan_new = object_storage.key_from_object_url(stored_sample())
    named = [kept_voice.samples.get().key, deleted_voice.samples.get().key]
    for key in [orphan_old, *named]:
        _age(key, 30)
    settings.GALLERY_UNUSED_SAMPLE_HOURS = 24
    assert services.purge_unused_samples() == 1
    assert sorted(object_storage.list("voice-samples")) == sorted([orphan_new, *named])


def test_purge_on_s3(s3_storage, make_voice, stored_sample):
    from gallery import services

    voice = make_voice("Kept")
    orphan = object_storage.key_from_object_url(stored_sample())
    assert services.purge_unused_samples(timedelta(0)) == 1
    assert not object_storage.exists(orphan)
    assert object_storage.exists(voice.samples.get().key)


def test_the_purge_runs_on_beat():
    from django.conf import settings

    from gallery.tasks import purge_unused_samples

    assert settings.CELERY_BEAT_SCHEDULE["gallery-purge-unused-samples"]["task"] == purge_unused_samples.name
