"""Fixtures of the conversions tests: sample audio, a project and folder, the TTS voices."""

from __future__ import annotations

import subprocess

import pytest
from django.test import Client

from tests.conversions.library_helpers import create_folder, create_project
from tests.media import speech_wav, tone


@pytest.fixture(scope="session")
def library_media(tmp_path_factory):
    """Short sample audio in the four accepted formats and a few files that must be refused."""
    folder = tmp_path_factory.mktemp("library-media")
    wav = speech_wav(folder / "speech.wav", text="Testing the studio library.")
    files = {"wav": wav}
    for fmt, args in {"ogg": ["-c:a", "libvorbis"], "mp3": ["-c:a", "libmp3lame"], "flac": ["-c:a", "flac"]}.items():
        target = folder / f"speech.{fmt}"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), *args, str(target)], check=True, timeout=60)
        files[fmt] = target
    files["m4a"] = tone(folder / "tone.m4a", seconds=1.0, codec_args=["-c:a", "aac"])
    text = folder / "notes.wav"
    text.write_text("this is not audio at all\n" * 20)
    files["fake_wav"] = text
    return files


@pytest.fixture(autouse=True)
def _catalogue_version_of_its_own():
    """Each test's database starts afresh: so does the catalogue version, under which voices and
    voice lists are kept in memory (conversions/catalogue/version.py). Without it, a test that
    writes no catalogue row would be shown what an earlier test's rolled-back rows left there."""
    from django.core.cache import cache

    from conversions.catalogue import version

    cache.delete(version.KEY)


@pytest.fixture
def staff_client(staff_user):
    """Django's test client logged in to the admin as a superuser named Staff Person."""
    staff_user.is_superuser = True
    staff_user.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def project(api):
    return create_project(api)


@pytest.fixture
def folder(api, project):
    return create_folder(api, project["id"])


@pytest.fixture
def tts_voices(db):
    """The seeded TTS voices (a transactional test's flush removes migration data)."""
    from importlib import import_module

    from django.apps import apps

    import_module("conversions.migrations.0002_seed_tts_voices").seed(apps, None)


@pytest.fixture
def paused_worker(django_db_blocker):
    """Jobs queue on a queue of the test's own and a real worker starts consuming it only when the
    test calls ``start()``: work ordered before that is certainly still waiting."""
    import uuid

    from django.conf import settings

    from tests.conftest import WorkerProcess
    from voiceplatform.celery import app

    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-paused-{uuid.uuid4().hex[:8]}"
    session_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    workers = []

    def start():
        with django_db_blocker.unblock():
            workers.append(WorkerProcess(queue=queue).start())

    yield start
    app.conf.task_default_queue = session_queue
    for worker in workers:
        worker.stop()
