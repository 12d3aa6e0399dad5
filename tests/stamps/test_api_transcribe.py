"""Advanced Features: POST /api/v1/voicestamps/{id}/transcribe, a faster-whisper job in a real worker."""

import pytest

from core.models import Job
from stamps.models import Stamp
from tests.conftest import wait_until
from tests.media import assert_heard, speech_wav
from tests.stamps.conftest import upload_audio

SENTENCE = "I would like a cup of coffee with milk."
KEY_WORDS = ("like", "coffee", "milk")


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_transcription_word_for_word(api, celery_worker, make_stamp, tmp_path):
    stamp = make_stamp(title="Coffee")
    upload_audio(api, stamp.pk, speech_wav(tmp_path / "coffee.wav", text=SENTENCE))
    path = f"/api/v1/voicestamps/{stamp.pk}/transcribe"

    started = api.post(path, {}, format="json")
    assert started.status_code == 202, started.content
    assert started.json()["status"] == "processing" and started.json()["transcription"] is None
    assert api.post(path, {}, format="json").status_code == 202
    assert Job.objects.filter(kind="stamps.transcribe").count() == 1

    wait_until(lambda: api.get(path).json()["status"] in ("completed", "failed"), timeout=120, message="transcription")
    body = api.get(path).json()
    assert body["status"] == "completed", body
    result = body["transcription"]
    assert_heard(SENTENCE, result["text"], key_words=KEY_WORDS)
    assert result["language"] == "en" and result["engine"] == "faster-whisper"
    assert 0.5 < result["confidence"] <= 1
    segment = result["segments"][0]
    assert segment["start"] == pytest.approx(0, abs=0.5) and segment["end"] > 1.5
    words = [w["word"] for s in result["segments"] for w in s["words"]]
    assert_heard(SENTENCE, " ".join(words), key_words=KEY_WORDS)
    assert all(0 <= w["confidence"] <= 1 for w in segment["words"])

    manifest = api.get(f"/api/v1/security/vst/{stamp.pk}/manifest").json()["manifest"]
    assert manifest["transcription"]["text"] == result["text"]

    # Asking again for the same recording answers with the stored result, without a new job.
    again = api.post(path, {}, format="json")
    assert again.status_code == 200 and again.json()["transcription"]["text"] == result["text"]
    assert Job.objects.filter(kind="stamps.transcribe").count() == 1
    forced = api.post(path, {"force": True}, format="json")
    assert forced.status_code == 202
    assert Job.objects.filter(kind="stamps.transcribe").count() == 2


@pytest.mark.django_db
def test_transcribe_needs_audio_and_good_input(api, stamp, anon):
    path = f"/api/v1/voicestamps/{stamp.pk}/transcribe"
    response = api.post(path, {}, format="json")
    assert response.status_code == 422 and "audio_file" in response.json()["errors"]
    assert api.post(path, {"force": "sure"}, format="json").status_code == 422
    assert api.post(path, data="{", content_type="application/json").status_code == 400
    assert anon.post(path, {}, format="json").status_code == 401
    assert api.get(path).json() == {
        "success": True,
        "status": "none",
        "progress": 0,
        "error": None,
        "transcription": None,
    }
    assert Stamp.objects.get(pk=stamp.pk).transcription_job is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_failing_transcription_is_failed_with_its_reason(api, celery_worker, make_stamp, tmp_path):
    from core.storage import object_storage
    from stamps.models import StampFile

    stamp = make_stamp(title="Lost")
    upload_audio(api, stamp.pk, speech_wav(tmp_path / "lost.wav", text="Hello there."))
    object_storage.delete(StampFile.objects.get(stamp=stamp, role="audio").key)
    path = f"/api/v1/voicestamps/{stamp.pk}/transcribe"
    assert api.post(path, {}, format="json").status_code == 202
    wait_until(
        lambda: api.get(path).json()["status"] in ("completed", "failed"), timeout=120, message="transcription to end"
    )
    body = api.get(path).json()
    assert body["status"] == "failed" and body["error"] == "The audio file is missing from storage."
    assert body["transcription"] is None
