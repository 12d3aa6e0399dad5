"""Idempotency-Key (core/idempotency.py): a paid order sent twice, concurrently, with another body,
by another caller; stored, replayed, purged; declared on every listed POST in the OpenAPI."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.utils import timezone

from accounts.models import CreditEntry
from accounts.services import grant_credits
from accounts.tokens import issue_tokens
from conversions.models import Order
from core import idempotency
from core.models import IdempotencyRecord, Job
from tests.conversions.catalogue_factories import make_original, make_voice, tier
from tests.media import speech_wav

URL = "/api/v2/orders"


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return speech_wav(tmp_path_factory.mktemp("idempotency") / "speech.wav", text="Charge me only once.")


@pytest.fixture
def paid_order(user, staff_user, speech):
    """The body of an order the user can pay for, and a function telling the user's charges."""
    tier("basic", 0)
    grant_credits(user, Decimal("100"))
    voice = make_voice(staff_user)
    original = make_original(user, speech)
    return {"original_id": str(original.pk), "conversions": [{"voice_id": str(voice.pk)}]}


def charges(user):
    return list(CreditEntry.objects.filter(account__user=user, kind="charge").values_list("reference", flat=True))


@pytest.mark.django_db
def test_the_same_paid_order_twice_is_charged_once_and_replayed(api, user, paid_order):
    first = api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY='"order-1"')
    assert first.status_code == 200, first.content
    assert "Idempotent-Replayed" not in first
    balance_after_first = user.credit_account.__class__.objects.get(pk=user.credit_account.pk).balance
    second = api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY='"order-1"')
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert len(charges(user)) == 1 and Order.objects.count() == 1
    assert Job.objects.filter(kind="conversions.order").count() == 1
    assert user.credit_account.__class__.objects.get(pk=user.credit_account.pk).balance == balance_after_first
    # The bare form of the key is the same key.
    assert api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="order-1")["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_in_the_apis_format(api, user, paid_order):
    assert api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 200
    other = {**paid_order, "conversions": paid_order["conversions"] * 2}
    response = api.post(URL, other, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert response.json() == {"detail": "This Idempotency-Key was used with a different request"}
    # Another endpoint with the same key is another request too.
    assert (
        api.post("/api/v2/orders/retry/00000000-0000-0000-0000-000000000000", HTTP_IDEMPOTENCY_KEY="k").status_code
        == 422
    )
    assert len(charges(user)) == 1


@pytest.mark.django_db
def test_keys_are_scoped_to_the_caller(api, client_for, user, other_user, staff_user, paid_order, speech):
    grant_credits(other_user, Decimal("100"))
    theirs = {**paid_order, "original_id": str(make_original(other_user, speech).pk)}
    assert api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 200
    response = client_for(other_user).post(URL, theirs, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert len(charges(user)) == 1 and len(charges(other_user)) == 1
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", '""', "x" * 256, "naïve", "tab\there"])
def test_a_malformed_key_is_400_and_nothing_happens(api, user, paid_order, key):
    response = api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
    assert charges(user) == []


@pytest.mark.django_db
def test_without_a_key_nothing_is_stored(api, user, paid_order):
    assert api.post(URL, paid_order, format="json").status_code == 200
    assert api.post(URL, paid_order, format="json").status_code == 200
    assert len(charges(user)) == 2 and not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_paid_order_charge_once(live_server, user, paid_order):
    """Eight clients send the same order with the same key at once over real HTTP: one runs,
    the others are told it is in flight (409) or get its response replayed."""
    token = issue_tokens(user).access
    barrier = threading.Barrier(8)
    results = []

    def send():
        barrier.wait(timeout=30)
        response = requests.post(
            f"{live_server.url}{URL}",
            json=paid_order,
            timeout=60,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "concurrent-1"},
        )
        results.append((response.status_code, response.headers.get("Idempotent-Replayed"), response.text))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 8
    assert {status for status, _, _ in results} <= {200, 409}, results
    originals = [body for status, replayed, body in results if status == 200 and replayed is None]
    assert len(originals) == 1, results
    assert all(body == originals[0] for status, replayed, body in results if replayed == "true")
    assert all("still being processed" in body for status, _, body in results if status == 409)
    assert len(charges(user)) == 1 and Order.objects.count() == 1
    # Once the first has answered, a retry is a replay.
    retry = requests.post(
        f"{live_server.url}{URL}",
        json=paid_order,
        timeout=60,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "concurrent-1"},
    )
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    assert len(charges(user)) == 1


@pytest.mark.django_db
def test_an_in_flight_key_is_409_until_it_is_stale(api, user, paid_order, settings):
    record = IdempotencyRecord.objects.create(
        scope=f"user:{user.pk}", key="stuck", fingerprint="0" * 64, method="POST", path=URL, created_at=timezone.now()
    )
    response = api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="stuck")
    assert response.status_code == 422  # another fingerprint wins over in-flight
    IdempotencyRecord.objects.filter(pk=record.pk).delete()
    assert api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="stuck").status_code == 200
    IdempotencyRecord.objects.filter(key="stuck").update(status=None, response_body=None)
    busy = api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="stuck")
    assert busy.status_code == 409 and "still being processed" in busy.json()["detail"]
    # A claim older than the in-flight timeout belonged to a process that died: a retry takes it over.
    IdempotencyRecord.objects.filter(key="stuck").update(
        created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT + 1)
    )
    assert api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="stuck").status_code == 200


@pytest.mark.django_db
def test_expired_keys_start_afresh_and_are_purged(api, user, paid_order, settings):
    assert api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 200
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL + 1))
    again = api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 200 and "Idempotent-Replayed" not in again
    assert len(charges(user)) == 2
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL + 1))
    assert idempotency.purge_expired() == 1 and not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_an_error_answer_is_replayed_too(api, user, paid_order):
    """The draft: the first response, whatever it was, is the answer (here a 402)."""
    CreditEntry.objects.all().delete()
    user.credit_account.__class__.objects.filter(pk=user.credit_account.pk).update(balance=0)
    first = api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="poor")
    assert first.status_code == 402
    grant_credits(user, Decimal("100"))
    second = api.post(URL, paid_order, format="json", HTTP_IDEMPOTENCY_KEY="poor")
    assert second.status_code == 402 and second["Idempotent-Replayed"] == "true"
    assert charges(user) == []


IDEMPOTENT_POSTS = [
    "/api/v2/orders",
    "/api/v2/orders/retry/{recording_id}",
    "/api/v2/recordings/tts",
    "/api/recordings/tts",
    "/api/recordings",
    "/api/calibration",
    "/api/v1/security/vst/draft",
    "/api/v1/voicestamps/{stamp_id}/share",
    "/api/v1/voicestamps/{stamp_id}/share/email",
    "/api/v1/voicestamps/{stamp_id}/share/sms",
    "/api/v1/tts-submissions",
    "/api/v1/voice-gallery",
    "/v4/partners/jobs",
]


def test_every_listed_post_declares_the_key_in_the_openapi(anon):
    schema = anon.get("/api/schema/?format=json").json()
    for path in IDEMPOTENT_POSTS:
        operation = schema["paths"][path]["post"]
        names = {param["name"] for param in operation.get("parameters", [])}
        assert "Idempotency-Key" in names, path
        assert any("Idempotent-Replayed" in response.get("headers", {}) for response in operation["responses"].values())
