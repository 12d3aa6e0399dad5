"""TTS submissions past the per-user job cap are the gallery's 429 (issue 12)."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_submission_past_the_cap_is_429_rate_limit_exceeded(api, make_voice, settings):
    from gallery.models import TtsSubmission

    settings.JOBS_MAX_ACTIVE_PER_USER = 2
    voice = make_voice()
    for _ in range(2):
        accepted = api.post(
            "/api/v1/tts-submissions", {"voiceId": str(voice.pk), "text": "Hello there."}, format="json"
        )
        assert accepted.status_code in (200, 201, 202), accepted.content
    refused = api.post("/api/v1/tts-submissions", {"voiceId": str(voice.pk), "text": "Hello there."}, format="json")
    assert refused.status_code == 429, refused.content
    assert refused.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED" and refused["Retry-After"] == "30"
    assert TtsSubmission.objects.count() == 2
