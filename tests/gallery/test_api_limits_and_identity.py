"""Rate limiting (create 10/hour, read 100/minute, update 20/hour, delete 5/hour; per user, per IP
for anonymous callers, in the shared cache) and identities from external OIDC tokens (Entra ID)."""

import uuid

import pytest
from django.core.cache import cache

from accounts.models import ExternalIdentity
from gallery.models import Voice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_storage")]
URL = "/api/v1/voice-gallery"


def test_default_rates_are_the_documented_ones():
    from voiceplatform import settings as project_settings

    rates = project_settings.THROTTLE_RATES
    assert (rates["gallery_create"], rates["gallery_read"], rates["gallery_update"], rates["gallery_delete"]) == (
        "10/hour",
        "100/minute",
        "20/hour",
        "5/hour",
    )


def _assert_throttled(response):
    assert response.status_code == 429
    assert response.json() == {
        "success": False,
        "error": {"code": "RATE_LIMIT_EXCEEDED", "message": "Too many requests, retry later"},
    }
    assert int(response["Retry-After"]) > 0


def _limit(settings, scope, rate):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, scope: rate}


def test_create_is_limited_per_user_in_the_shared_cache(settings, admin_api, admin_user, client_for, make_user):
    _limit(settings, "gallery_create", "2/hour")
    statuses = [admin_api.post(URL, {}, format="json").status_code for _ in range(2)]
    assert statuses == [400, 400]
    _assert_throttled(admin_api.post(URL, {}, format="json"))
    other_admin = client_for(make_user(is_staff=True))
    assert other_admin.post(URL, {}, format="json").status_code == 400
    # Reads have their own budget.
    assert admin_api.get(URL).status_code == 200
    # The count is in the shared cache: emptying it gives the budget back.
    cache.clear()
    assert admin_api.post(URL, {}, format="json").status_code == 400


def test_anonymous_reads_are_limited_per_ip(settings, anon, make_voice):
    voice = make_voice()
    _limit(settings, "gallery_read", "3/minute")
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    statuses = [
        anon.get(URL, REMOTE_ADDR=address).status_code,
        anon.get(f"{URL}/{voice.pk}", REMOTE_ADDR=address).status_code,
        anon.get(URL, REMOTE_ADDR=address).status_code,
    ]
    assert statuses == [200, 200, 200]
    _assert_throttled(anon.get(f"{URL}/{voice.pk}", REMOTE_ADDR=address))
    assert anon.get(URL, REMOTE_ADDR=f"{address}1").status_code == 200


def test_update_and_delete_limits(settings, admin_api, make_voice):
    voice = make_voice()
    _limit(settings, "gallery_update", "1/hour")
    _limit(settings, "gallery_delete", "1/hour")
    assert admin_api.put(f"{URL}/{voice.pk}", {"orderNumber": 4}, format="json").status_code == 200
    _assert_throttled(admin_api.put(f"{URL}/{voice.pk}", {"orderNumber": 5}, format="json"))
    assert admin_api.delete(f"{URL}/{uuid.uuid4()}").status_code == 404
    _assert_throttled(admin_api.delete(f"{URL}/{voice.pk}"))
    assert Voice.objects.alive().filter(pk=voice.pk, order_number=4).exists()


def test_upload_urls_and_submissions_have_their_own_limits(settings, admin_api, make_voice):
    voice = make_voice()
    _limit(settings, "gallery_upload", "1/hour")
    _limit(settings, "gallery_tts", "1/hour")
    body = {"fileName": "a.mp3", "fileType": "audio/mpeg", "fileSize": 10}
    assert admin_api.post(f"{URL}/upload-url", body, format="json").status_code == 200
    _assert_throttled(admin_api.post(f"{URL}/upload-url", body, format="json"))
    submission = {"voiceId": str(voice.pk), "text": "Hello"}
    assert admin_api.post("/api/v1/tts-submissions", submission, format="json").status_code == 202
    _assert_throttled(admin_api.post("/api/v1/tts-submissions", submission, format="json"))


# --- identities from an external issuer -------------------------------------------------------------------
def test_an_entra_admin_creates_and_is_recorded_by_id_and_name(anon, oidc_issuer, stored_sample):
    token = oidc_issuer.token(subject="entra-oid-1", name="Admin User", roles=["VoiceGallery.Admin"])
    response = anon.post(
        URL,
        {"name": "Rachel", "voiceCharacteristic": "Female", "orderNumber": 1, "samples": [stored_sample()]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    user = ExternalIdentity.objects.get(subject="entra-oid-1").user
    assert response.json()["data"]["createdBy"] == {"userId": str(user.pk), "userName": "Admin User"}


def test_an_entra_user_without_the_admin_role_is_403(anon, oidc_issuer, stored_sample):
    token = oidc_issuer.token(subject="entra-oid-2", name="Plain User", roles=[])
    response = anon.post(
        URL,
        {"name": "Rachel", "voiceCharacteristic": "Female", "orderNumber": 1, "samples": [stored_sample()]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


def test_a_bad_token_is_401_even_on_public_reads(anon):
    response = anon.get(URL, HTTP_AUTHORIZATION="Bearer not.a.token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.django_db(transaction=True)
def test_limits_hold_across_processes(settings, admin_api, admin_user):
    """A second Django process (same cache, same database) spends the same budget."""
    import subprocess
    import sys

    from tests.conftest import ROOT, WorkerProcess

    _limit(settings, "gallery_create", "2/hour")
    assert admin_api.post(URL, {}, format="json").status_code == 400
    code = (
        "from rest_framework.test import APIClient\n"
        "from accounts.models import User\n"
        "client = APIClient()\n"
        f"client.force_authenticate(User.objects.get(pk='{admin_user.pk}'))\n"
        "print(client.post('/api/v1/voice-gallery', {}, format='json').status_code)\n"
    )
    env = {**WorkerProcess().env, "GALLERY_THROTTLE_CREATE": "2/hour", "LOG_LEVEL": "ERROR"}
    other = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert other.stdout.strip().splitlines()[-1] == "400"
    _assert_throttled(admin_api.post(URL, {}, format="json"))
