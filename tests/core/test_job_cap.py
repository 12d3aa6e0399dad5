"""One user cannot fill the queues for everyone: at most JOBS_MAX_ACTIVE_PER_USER jobs queued or
running per user, past it the request that would start one is each API's 429 with Retry-After and
writes nothing (issue 12). Run on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.storage import object_storage
from tests.conftest import bearer_client
from tests.media import tone

pytestmark = pytest.mark.django_db


@pytest.fixture
def wav(media_dir) -> Path:
    return tone(media_dir / "cap-tone.wav", seconds=1.0)


@pytest.fixture(autouse=True)
def _storage(local_storage):
    return local_storage


def _stamp_with_audio(owner, wav):
    from stamps import services

    stamp = services.create_stamp(owner=owner, title="Capped")
    services.attach_audio(owner, stamp.pk, SimpleUploadedFile("tone.wav", wav.read_bytes(), "audio/wav"))
    return stamp


def test_transcriptions_past_the_cap_are_429_in_the_stamps_format(api, user, make_user, wav, settings):
    from core.models import Job

    settings.JOBS_MAX_ACTIVE_PER_USER = 3
    first, second = _stamp_with_audio(user, wav), _stamp_with_audio(user, wav)  # a thumbnail job each
    assert Job.objects.filter(owner=user, state="queued").count() == 2
    assert api.post(f"/api/v1/voicestamps/{first.pk}/transcribe", {}, format="json").status_code == 202
    refused = api.post(f"/api/v1/voicestamps/{second.pk}/transcribe", {}, format="json")
    assert refused.status_code == 429, refused.content
    assert refused.json()["error"] == "rate_limited" and "3" in refused.json()["message"]
    assert refused["Retry-After"] == "30"
    second.refresh_from_db()
    assert second.transcription_job is None and Job.objects.filter(owner=user).count() == 3

    # Someone else is not held up by this user's jobs.
    other = make_user()
    theirs = _stamp_with_audio(other, wav)
    assert (
        bearer_client(other).post(f"/api/v1/voicestamps/{theirs.pk}/transcribe", {}, format="json").status_code == 202
    )

    # Once one of the user's jobs has finished there is room again.
    Job.objects.filter(owner=user, kind="stamps.thumbnail").update(state=Job.State.SUCCEEDED)
    assert api.post(f"/api/v1/voicestamps/{second.pk}/transcribe", {}, format="json").status_code == 202


def test_an_upload_past_the_cap_is_429_in_the_respeecher_format_and_nothing_is_stored(api, user, wav, settings):
    from conversions.models import Recording

    settings.JOBS_MAX_ACTIVE_PER_USER = 1
    project = api.post("/api/projects", {"name": "Takes", "models": {}}, format="json").json()
    folder = api.post("/api/folders", {"name": "One", "project_id": project["id"]}, format="json").json()

    def upload():
        return api.post(
            "/api/recordings",
            {
                "data": SimpleUploadedFile("take.wav", wav.read_bytes()),
                "parent_folder_id": folder["id"],
                "microphone": "file",
            },
            format="multipart",
        )

    assert upload().status_code == 200
    stored = object_storage.list("conversions")
    refused = upload()
    assert refused.status_code == 429, refused.content
    assert "queued or running" in refused.json()["detail"]
    assert Recording.objects.count() == 1 and object_storage.list("conversions") == stored


def test_work_accepted_earlier_is_never_refused(user, settings):
    from core import jobs
    from core.models import Job

    settings.JOBS_MAX_ACTIVE_PER_USER = 1
    jobs.start_job("stamps.thumbnail", "stamps.make_thumbnail", subject="a", owner=user)
    with pytest.raises(jobs.TooManyJobs):
        jobs.start_job("stamps.thumbnail", "stamps.make_thumbnail", subject="b", owner=user)
    jobs.start_job("stamps.thumbnail", "stamps.make_thumbnail", subject="c", owner=user, capped=False)
    assert list(Job.objects.filter(owner=user).order_by("created_at").values_list("subject", flat=True)) == ["a", "c"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_cannot_both_take_the_last_place(user, settings):
    import threading

    from django.db import connection

    from core import jobs
    from core.models import Job

    settings.JOBS_MAX_ACTIVE_PER_USER = 1
    start = threading.Barrier(4)
    outcomes = []

    def request_a_job(n):
        try:
            start.wait(timeout=30)
            jobs.start_job("stamps.thumbnail", "stamps.make_thumbnail", subject=f"race {n}", owner=user)
            outcomes.append("started")
        except jobs.TooManyJobs:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=request_a_job, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["refused", "refused", "refused", "started"]
    assert Job.objects.filter(owner=user).count() == 1
