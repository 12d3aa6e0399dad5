"""A broker that accepts connections and never answers when a submission commits: the caller gets
its committed submission in bounded time (no hang), the job waits unsent, and the sweeper sends it
once the broker answers again."""

import time

import pytest

from core import jobs
from core.models import Job
from gallery.models import TtsSubmission
from voiceplatform.celery import app

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fault, pytest.mark.usefixtures("local_storage")]


def _publish_to(url: str, transport_options: dict):
    """Point this process's publishing at another broker (the producer pool is built once per app)."""
    app.conf.broker_url, app.conf.broker_transport_options = url, transport_options
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def hung_broker(black_hole, settings):
    original = app.conf.broker_url, app.conf.broker_transport_options
    yield lambda: _publish_to(black_hole.redis_url, settings.REDIS_SOCKET_OPTIONS)
    _publish_to(*original)


def test_a_submission_whose_job_cannot_be_sent_answers_promptly_and_is_sent_later(
    hung_broker, client_for, user, make_voice, settings, record_property
):
    voice = make_voice()
    original = app.conf.broker_url, app.conf.broker_transport_options
    hung_broker()
    started = time.monotonic()
    response = client_for(user).post(
        "/api/v1/tts-submissions", {"voiceId": str(voice.pk), "text": "Hello"}, format="json"
    )
    elapsed = time.monotonic() - started
    record_property("seconds_to_answer", round(elapsed, 2))
    assert response.status_code == 202, response.content
    assert elapsed < 4 * (settings.DEPENDENCY_CONNECT_TIMEOUT + settings.DEPENDENCY_READ_TIMEOUT), elapsed
    submission = TtsSubmission.objects.select_related("job").get(pk=response.json()["data"]["id"])
    assert submission.job.state == Job.State.QUEUED and submission.job.sent_at is None

    # The broker answers again; the sweeper (beat, every minute) sends what was left unsent.
    _publish_to(*original)
    settings.JOB_SEND_GRACE = 0
    assert jobs.sweep_stuck_jobs() == 1
    submission.job.refresh_from_db()
    assert submission.job.sent_at is not None
