"""POST/GET /api/v1/tts-submissions: the end of the user flow (Browse -> Select -> Submit -> Audio link),
rendered by a real Celery worker with espeak-ng and stored under submissions/."""

import json
import math
import uuid

import pytest
import requests

from core.media import audio
from core.models import Job, WebhookDelivery
from core.storage import object_storage
from core.webhooks import delivery as webhook_delivery
from gallery import services as gallery_services
from gallery.models import TtsSubmission
from tests.conftest import wait_until
from tests.media import loudness, median_f0

URL = "/api/v1/tts-submissions"


def _finished(client, submission_id):
    def check():
        body = client.get(f"{URL}/{submission_id}").json()["data"]
        return body if body["status"] in ("completed", "failed") else None

    return check


def _download(client, url, tmp_path, name="speech.mp3"):
    if url.startswith("http://testserver/"):
        response = client.get(url.removeprefix("http://testserver"))
        data = b"".join(response.streaming_content) if response.streaming else response.content
    else:
        response = requests.get(url, timeout=30)
        data = response.content
    assert response.status_code == 200, getattr(response, "text", "")
    target = tmp_path / name
    target.write_bytes(data)
    return target


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_user_flow_submit_and_get_the_audio_link(celery_worker, client_for, user, anon, make_voice, tmp_path):
    voice = make_voice("Rachel", espeak_voice="en-gb", speech_rate=140, pitch=30)
    chosen = anon.get("/api/v1/voice-gallery").json()["data"]["items"][0]
    api = client_for(user)
    response = api.post(URL, {"voiceId": chosen["id"], "text": "Hello <b>world</b> & friends"}, format="json")
    assert response.status_code == 202, response.content
    data = response.json()["data"]
    assert data["status"] == "queued" and data["audioUrl"] is None
    assert data["text"] == "Hello <b>world</b> & friends" and data["voiceId"] == str(voice.pk)
    done = wait_until(_finished(api, data["id"]), timeout=90, message="the submission to finish")
    assert done["status"] == "completed", done
    submission = TtsSubmission.objects.get(pk=data["id"])
    assert submission.audio_key.startswith("submissions/") and submission.audio_key.endswith(".mp3")
    info = audio.probe(_download(api, done["audioUrl"], tmp_path), allowed_formats={"mp3"})
    assert info.duration > 0.5 and done["durationSeconds"] == pytest.approx(info.duration, abs=0.1)
    assert Job.objects.get(pk=submission.job_id).state == Job.State.SUCCEEDED
    listed = api.get(URL).json()["data"]
    assert [item["id"] for item in listed["items"]] == [data["id"]]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_voice_mapping_changes_the_speech(celery_worker, client_for, user, make_voice):
    slow = make_voice("Slow", speech_rate=90)
    fast = make_voice("Fast", speech_rate=400)
    api = client_for(user)
    durations = {}
    for voice in (slow, fast):
        submission = api.post(
            URL, {"voiceId": str(voice.pk), "text": "One two three four five six."}, format="json"
        ).json()["data"]
        durations[voice.name] = wait_until(_finished(api, submission["id"]), timeout=90)["durationSeconds"]
    assert durations["Slow"] > 1.5 * durations["Fast"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_female_voices_speak_with_a_female_engine_voice_at_the_delivery_loudness(
    celery_worker, client_for, user, make_voice, tmp_path
):
    # Same engine mapping and pitch setting: only the characteristic differs. Short ("Hello, I am ...")
    # and longer generations both land at -16 LUFS (±1.5 LU) under -1 dBTP.
    voices = {
        "Female": make_voice("Rachel", characteristic="Female", espeak_voice="en-us", pitch=50),
        "Male": make_voice("Adam", characteristic="Male", espeak_voice="en-us", pitch=50),
        "Female variant": make_voice("Ruth", characteristic="Female", espeak_voice="en-gb+f5", pitch=50),
    }
    texts = {
        "Female": "Hello, I am Rachel.",
        "Male": "Every voice has a colour of its own, and we hear it in a single word. " * 3,
        "Female variant": "Every voice has a colour of its own, and we hear it in a single word.",
    }
    api = client_for(user)
    pitch, durations = {}, {}
    for label, voice in voices.items():
        submission = api.post(URL, {"voiceId": str(voice.pk), "text": texts[label]}, format="json").json()["data"]
        done = wait_until(_finished(api, submission["id"]), timeout=120, message=f"{label} speech")
        assert done["status"] == "completed", done
        path = _download(api, done["audioUrl"], tmp_path, name=f"{label}.mp3")
        integrated, true_peak = loudness(path)
        assert integrated == pytest.approx(audio.DELIVERY_LOUDNESS_LUFS, abs=1.5), (label, integrated)
        assert true_peak <= -1.0, (label, true_peak)
        pitch[label], durations[label] = median_f0(path), done["durationSeconds"]
    assert durations["Female"] < 3 < durations["Male"]
    # espeak-ng's default voice is male (~100 Hz at pitch 50); its female variants sit near 200 Hz.
    assert pitch["Male"] < 140 and pitch["Female"] > 165 and pitch["Female variant"] > 165, pitch
    assert 12 * math.log2(pitch["Female"] / pitch["Male"]) > 7, pitch


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_rendering_on_s3(s3_worker, client_for, user, make_voice, tmp_path):
    voice = make_voice("Cloud")
    api = client_for(user)
    submission = api.post(URL, {"voiceId": str(voice.pk), "text": "Stored in the bucket."}, format="json").json()[
        "data"
    ]
    done = wait_until(_finished(api, submission["id"]), timeout=90)
    assert done["status"] == "completed"
    assert "X-Amz-Signature" in done["audioUrl"]
    audio.probe(_download(api, done["audioUrl"], tmp_path), allowed_formats={"mp3"})
    key = TtsSubmission.objects.get(pk=submission["id"]).audio_key
    assert object_storage.exists(key)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_unusable_engine_voice_fails_the_submission_with_a_reason(celery_worker, client_for, user, make_voice):
    voice = make_voice("Broken", espeak_voice="xx-nowhere")
    api = client_for(user)
    submission = api.post(URL, {"voiceId": str(voice.pk), "text": "Hello."}, format="json").json()["data"]
    done = wait_until(_finished(api, submission["id"]), timeout=90)
    assert done["status"] == "failed" and done["audioUrl"] is None
    assert done["error"] == "Unknown voice xx-nowhere."
    # A failed generation does not keep the voice in use.
    assert client_for(voice.created_by).delete(f"/api/v1/voice-gallery/{voice.pk}").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("local_storage")
class TestSubmissionRules:
    def test_anonymous_callers_get_401(self, anon, make_voice):
        voice = make_voice()
        assert anon.post(URL, {"voiceId": str(voice.pk), "text": "Hi"}, format="json").status_code == 401
        assert anon.get(URL).status_code == 401
        assert anon.get(f"{URL}/{uuid.uuid4()}").status_code == 401

    def test_admins_submit_like_users(self, admin_api, make_voice):
        voice = make_voice()
        response = admin_api.post(URL, {"voiceId": str(voice.pk), "text": "Hi"}, format="json")
        assert response.status_code == 202

    @pytest.mark.parametrize("state", ["unpublished", "deleted", "missing"])
    def test_only_published_voices(self, client_for, user, make_voice, state):
        voice = make_voice(is_published=state != "unpublished")
        if state == "deleted":
            client_for(voice.created_by).delete(f"/api/v1/voice-gallery/{voice.pk}")
        voice_id = str(uuid.uuid4()) if state == "missing" else str(voice.pk)
        response = client_for(user).post(URL, {"voiceId": voice_id, "text": "Hi"}, format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "VOICE_NOT_FOUND"
        assert not TtsSubmission.objects.exists()

    def test_text_is_required_and_capped(self, client_for, user, make_voice, settings):
        voice = make_voice()
        api = client_for(user)
        settings.GALLERY_TTS_MAX_TEXT_CHARS = 20
        for text in ["", "   ", "<script>alert(1)</script>", "x" * 21]:
            response = api.post(URL, {"voiceId": str(voice.pk), "text": text}, format="json")
            assert response.status_code == 400, text
            assert list(response.json()["error"]["fields"]) == ["text"]
        bad_id = api.post(URL, {"voiceId": "nope", "text": "Hi"}, format="json")
        assert bad_id.status_code == 400 and list(bad_id.json()["error"]["fields"]) == ["voiceId"]
        assert api.post(URL, {"voiceId": str(voice.pk), "text": "x" * 20}, format="json").status_code == 202

    def test_text_is_stored_and_returned_as_sent(self, client_for, user, make_voice):
        voice = make_voice()
        api = client_for(user)
        text = 'Is 1 < 2 & 3 > 2? "Yes" it\'s <i>true</i>'
        created = api.post(URL, {"voiceId": str(voice.pk), "text": text}, format="json").json()["data"]
        assert created["text"] == text
        assert api.get(f"{URL}/{created['id']}").json()["data"]["text"] == text
        assert TtsSubmission.objects.get(pk=created["id"]).text == text

    def test_callers_see_only_their_own(self, client_for, user, other_user, make_voice):
        voice = make_voice()
        mine = client_for(user).post(URL, {"voiceId": str(voice.pk), "text": "Mine"}, format="json").json()["data"]
        other = client_for(other_user)
        assert other.get(URL).json()["data"]["items"] == []
        response = other.get(f"{URL}/{mine['id']}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "SUBMISSION_NOT_FOUND"
        assert other.get(f"{URL}/not-a-uuid").status_code == 404
        assert client_for(user).get(f"{URL}/{mine['id']}").json()["data"]["id"] == mine["id"]


@pytest.mark.django_db
@pytest.mark.usefixtures("local_storage")
def test_admins_also_see_only_their_own_submissions_in_the_api(admin_api, client_for, user, make_voice):
    voice = make_voice()
    theirs = client_for(user).post(URL, {"voiceId": str(voice.pk), "text": "Hi"}, format="json").json()["data"]
    mine = admin_api.post(URL, {"voiceId": str(voice.pk), "text": "Hello"}, format="json").json()["data"]
    assert [item["id"] for item in admin_api.get(URL).json()["data"]["items"]] == [mine["id"]]
    assert admin_api.get(f"{URL}/{theirs['id']}").status_code == 404
    assert admin_api.get(f"{URL}/{mine['id']}").json()["data"]["status"] == "queued"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("local_storage")
def test_a_broker_outage_after_commit_leaves_the_submission_queued(client_for, user, make_voice, monkeypatch):
    from kombu.exceptions import OperationalError

    from gallery.tasks import render_submission

    def broker_down(*args, **kwargs):
        raise OperationalError("broker unavailable")

    voice = make_voice()
    monkeypatch.setattr(render_submission, "apply_async", broker_down)
    response = client_for(user).post(URL, {"voiceId": str(voice.pk), "text": "Hello"}, format="json")
    assert response.status_code == 202
    submission = TtsSubmission.objects.select_related("job").get(pk=response.json()["data"]["id"])
    # The sweeper re-sends queued jobs that never started (core.jobs.sweep_stuck_jobs).
    assert submission.job.state == Job.State.QUEUED and submission.job.sent_at is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_request_id_follows_the_submission_into_the_worker(celery_worker, client_for, user, make_voice):
    voice = make_voice("Traced")
    api = client_for(user)
    response = api.post(
        URL, {"voiceId": str(voice.pk), "text": "Follow me."}, format="json", HTTP_X_REQUEST_ID="trace-tts-1"
    )
    assert response["X-Request-ID"] == "trace-tts-1"
    submission_id = response.json()["data"]["id"]
    assert wait_until(_finished(api, submission_id), timeout=90)["status"] == "completed"
    job = TtsSubmission.objects.select_related("job").get(pk=submission_id).job
    assert job.request_id == "trace-tts-1"
    rendered = wait_until(
        lambda: [line for line in celery_worker.lines if f"tts submission {submission_id} rendered" in line],
        timeout=30,
        message="the job's log line",
    )
    assert "[trace-tts-1]" in rendered[0]
    # Celery's own line for the task: the id came with the message's headers.
    succeeded = wait_until(
        lambda: [
            line
            for line in celery_worker.lines
            if "gallery.render_submission[" in line and "succeeded in" in line and "[trace-tts-1]" in line
        ],
        timeout=30,
        message="celery's line for the task",
    )
    assert succeeded


@pytest.mark.django_db
def test_a_submission_repeated_with_its_idempotency_key_is_queued_once(client_for, user, make_voice):
    voice = make_voice("Once")
    api = client_for(user)
    body = {"voiceId": str(voice.pk), "text": "Only once."}
    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="tts-1")
    second = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="tts-1")
    assert first.status_code == second.status_code == 202
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert TtsSubmission.objects.count() == 1 and Job.objects.filter(kind__startswith="gallery").count() == 1
    other = api.post(URL, {**body, "text": "Something else."}, format="json", HTTP_IDEMPOTENCY_KEY="tts-1")
    assert other.status_code == 422
    assert other.json() == {
        "success": False,
        "error": {
            "code": "IDEMPOTENCY_KEY_REUSED",
            "message": "This Idempotency-Key was used with a different request",
        },
    }


@pytest.mark.django_db
def test_a_rendered_submission_is_announced_to_the_users_webhook(
    client_for, user, make_voice, settings, receiver_factory
):
    settings.WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS = True
    api = client_for(user)
    receiver = receiver_factory()
    receiver.secret = api.post(
        "/api/v1/webhooks", {"url": receiver.url, "events": ["job.succeeded"]}, format="json"
    ).json()["secret"]
    submission_id = api.post(
        URL, {"voiceId": str(make_voice("Hooked").pk), "text": "Tell me when done."}, format="json"
    ).json()["data"]["id"]
    # The job's work, run here rather than in a worker: the outcome is announced where core.jobs records it.
    gallery_services.render_submission(TtsSubmission.objects.get(pk=submission_id).job_id)
    assert webhook_delivery.deliver(WebhookDelivery.objects.get().pk).state == "succeeded"
    event = json.loads(receiver.requests[0]["body"])
    assert receiver.requests[0]["verified"] and event["type"] == "job.succeeded"
    assert event["data"]["api"] == "voice-gallery" and event["data"]["object"]["id"] == submission_id
    assert event["data"]["results"] == {"submission": f"http://testserver{URL}/{submission_id}"}
