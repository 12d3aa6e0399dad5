"""Webhooks (core/webhooks/): endpoints over HTTP for users and partners, job events delivered by a
real worker to a real receiver on 127.0.0.1 that verifies Standard Webhooks signatures with the
independent `standardwebhooks` library and fails on purpose; SSRF refusals; no redirects; the admin."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import numpy as np
import pytest
import soundfile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from core.models import WebhookDelivery, WebhookEndpoint
from core.webhooks import delivery as webhook_delivery
from core.webhooks.events import JobSubject, announce
from tests.conftest import wait_until

URL = "/api/v1/webhooks"


@pytest.fixture
def private_destinations(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS = True


def hum(path, frequency=196.0, seconds=1.5):
    rate = 22050
    t = np.arange(int(seconds * rate)) / rate
    signal = sum(np.sin(2 * np.pi * frequency * k * t) / k for k in range(1, 13))
    soundfile.write(path, (0.3 * signal / np.abs(signal).max()).astype(np.float32), rate)
    return path


def calibrate(api, name, path, **headers):
    data = SimpleUploadedFile(path.name, path.read_bytes(), content_type="audio/wav")
    return api.post("/api/calibration", {"name": name, "data": data}, format="multipart", **headers)


def create_endpoint(api, receiver, events=("job.succeeded", "job.failed")):
    response = api.post(URL, {"url": receiver.url, "events": list(events), "description": "CI"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    receiver.secret = body["secret"]
    return body


# --- through a real worker and a real receiver ---------------------------------------------
WORKER_ENV = {"WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS": "true", "WEBHOOKS_RETRY_SCHEDULE": "1,1,1"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_finished_job_is_delivered_signed_and_retried_until_the_receiver_answers(
    api, user, start_worker, receiver_factory, private_destinations, tmp_path
):
    start_worker(WORKER_ENV)
    receiver = receiver_factory(answers=(500, 503, 204))
    endpoint = create_endpoint(api, receiver)
    assert endpoint["secret"].startswith("whsec_") and len(base64.b64decode(endpoint["secret"][6:])) == 32
    assert set(endpoint) >= {"id", "url", "events", "secret"}

    upload = calibrate(api, "Studio", hum(tmp_path / "hum.wav"), HTTP_X_REQUEST_ID="trace-hook-1")
    assert upload.status_code == 200, upload.content
    calibration_id = upload.json()["id"]

    wait_until(lambda: len(receiver.requests) >= 3, timeout=90, message="three delivery attempts")
    assert all(request["verified"] for request in receiver.requests)
    assert receiver.requests[0]["path"] == "/hooks/voice?team=1"
    assert len({request["headers"]["webhook-id"] for request in receiver.requests}) == 1
    event = json.loads(receiver.requests[-1]["body"])
    assert event["type"] == "job.succeeded"
    data = event["data"]
    assert data["api"] == "respeecher" and data["state"] == "succeeded" and data["error"] is None
    assert data["object"] == {
        "type": "calibration",
        "id": calibration_id,
        "url": f"http://testserver/api/calibration/{calibration_id}",
    }
    assert data["results"] == {"calibration": f"http://testserver/api/calibration/{calibration_id}"}
    assert data["job"]["request_id"] == "trace-hook-1" and data["job"]["kind"] == "conversions.calibration"

    def delivered():
        body = api.get(f"{URL}/{endpoint['id']}/deliveries").json()
        return body if body["data"] and body["data"][0]["state"] == "succeeded" else None

    listed = wait_until(delivered, timeout=30, message="the delivery to be recorded")
    assert listed["pagination"]["total"] == 1
    attempts = listed["data"][0]["attempt_log"]
    assert [attempt["response_status"] for attempt in attempts] == [500, 503, 204]
    assert [attempt["succeeded"] for attempt in attempts] == [False, False, True]
    assert all(attempt["duration_ms"] >= 0 for attempt in attempts)
    assert listed["data"][0]["attempts"] == 3
    # A message older than the receiver's tolerance, or altered, does not verify.
    first = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(receiver.secret).verify(first["body"] + b" ", first["headers"])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_endpoint_that_keeps_failing_is_disabled_and_its_owner_emailed(
    api, user, start_worker, receiver_factory, private_destinations, smtp_server, tmp_path
):
    start_worker({**WORKER_ENV, **smtp_server.env, "WEBHOOKS_RETRY_SCHEDULE": "1"})
    receiver = receiver_factory(answers=(500,))
    endpoint = create_endpoint(api, receiver, events=["job.failed"])
    silence = tmp_path / "silence.wav"
    soundfile.write(silence, np.zeros(22050 * 2, dtype=np.float32), 22050)
    assert calibrate(api, "Silent", silence).status_code == 200

    wait_until(
        lambda: not WebhookEndpoint.objects.get(pk=endpoint["id"]).enabled,
        timeout=90,
        message="the endpoint to be disabled",
    )
    assert len(receiver.requests) == 2 and all(request["verified"] for request in receiver.requests)
    event = json.loads(receiver.requests[0]["body"])
    assert event["type"] == "job.failed" and event["data"]["state"] == "failed"
    assert "No voice" in event["data"]["error"] and event["data"]["results"] == {}
    delivery = WebhookDelivery.objects.get(endpoint_id=endpoint["id"])
    assert delivery.state == "failed" and delivery.attempts == 2
    shown = api.get(f"{URL}/{endpoint['id']}").json()
    assert shown["enabled"] is False and "answered 500" in shown["disabled_reason"]
    wait_until(lambda: smtp_server.messages, timeout=30, message="the owner's email")
    message = smtp_server.messages[0]
    assert message["to"] == [user.email] and "disabled" in message["message"]["Subject"]
    assert receiver.url in message["message"].get_content()
    # Turned back on by its owner.
    again = api.patch(f"{URL}/{endpoint['id']}", {"enabled": True}, format="json").json()
    assert again["enabled"] is True and again["disabled_reason"] == ""


@pytest.mark.django_db
def test_only_subscribed_events_of_the_owners_own_jobs_are_queued(
    api, user, other_user, client_for, private_destinations, receiver_factory
):
    receiver = receiver_factory()
    create_endpoint(api, receiver, events=["job.failed"])
    create_endpoint(client_for(other_user), receiver_factory())
    subject = JobSubject("respeecher", "calibration", "c-1", "/api/calibration/c-1", user_id=user.pk)
    assert announce(subject, "job.succeeded", state="succeeded") == []
    queued = announce(subject, "job.failed", state="failed", error="No voice")
    assert len(queued) == 1 and queued[0].endpoint.user_id == user.pk


def test_every_job_a_user_starts_is_announced():
    """Conversion orders (each conversion), TTS renders, calibrations, stamp packaging, transcription
    and gallery TTS submissions: each kind has its describer registered by its app."""
    from core.webhooks.events import described_kinds

    assert {
        "conversions.order",
        "conversions.tts",
        "conversions.calibration",
        "stamps.package",
        "stamps.transcribe",
        "gallery.tts",
    } <= described_kinds()


# --- delivery rules, in process against a real receiver -------------------------------------
def _pending(api, receiver, payload=None):
    endpoint = WebhookEndpoint.objects.get(pk=create_endpoint(api, receiver)["id"])
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        message_id="msg_test",
        event_type="job.succeeded",
        payload=payload or {"type": "job.succeeded", "data": {}},
        next_attempt_at=timezone.now(),
    )


@pytest.mark.django_db
def test_redirects_are_not_followed(api, private_destinations, receiver_factory):
    elsewhere = receiver_factory()
    receiver = receiver_factory(answers=(302,), headers={"Location": elsewhere.url})
    delivery = webhook_delivery.deliver(_pending(api, receiver).pk)
    assert len(receiver.requests) == 1 and elsewhere.requests == []
    attempt = delivery.attempt_log.get()
    assert attempt.response_status == 302 and not attempt.succeeded and delivery.state == "pending"


@pytest.mark.django_db
def test_a_slow_receiver_times_out_and_the_attempt_says_so(api, private_destinations, receiver_factory, settings):
    settings.WEBHOOKS_READ_TIMEOUT = 0.5
    receiver = receiver_factory(delay=3)
    delivery = webhook_delivery.deliver(_pending(api, receiver).pk)
    attempt = delivery.attempt_log.get()
    assert attempt.response_status is None and "Timeout" in attempt.error
    assert attempt.duration_ms < 2500


@pytest.mark.django_db
def test_a_delivery_is_attempted_once_per_due_time(api, private_destinations, receiver_factory):
    receiver = receiver_factory()
    pending = _pending(api, receiver)
    assert webhook_delivery.deliver(pending.pk).state == "succeeded"
    assert webhook_delivery.deliver(pending.pk) is None  # a duplicate message finds nothing to do
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_beat_sends_the_deliveries_that_are_due(api, private_destinations, receiver_factory, monkeypatch):
    from core.webhooks import events

    sent = []
    monkeypatch.setattr(events, "send_delivery_task", lambda delivery_id, countdown=None: sent.append(delivery_id))
    due = _pending(api, receiver_factory())
    later = WebhookDelivery.objects.create(
        endpoint=due.endpoint,
        message_id="msg_later",
        event_type="job.failed",
        payload={},
        next_attempt_at=timezone.now() + timedelta(hours=2),
    )
    assert webhook_delivery.send_due_deliveries() == 1
    assert sent == [due.pk] and later.pk not in sent


# --- SSRF ---------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://example.com/hook", "must use https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("https://169.254.10.10/hook", "link-local"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://user:pw@example.com/hook", "credentials"),
        ("ftp://example.com/hook", "must use https"),
    ],
)
def test_private_and_metadata_destinations_are_refused_at_creation(api, url, reason):
    response = api.post(URL, {"url": url, "events": ["job.succeeded"]}, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["error"] == "validation_failed"
    assert reason in " ".join(response.json()["errors"]["url"])


@pytest.mark.django_db
def test_the_metadata_address_is_refused_even_when_private_ones_are_allowed(api, private_destinations):
    response = api.post(URL, {"url": "http://169.254.169.254/", "events": ["job.failed"]}, format="json")
    assert response.status_code == 422 and "metadata" in response.json()["errors"]["url"][0]


@pytest.mark.django_db
def test_a_host_that_resolves_to_a_private_address_is_refused_at_delivery(api, receiver_factory, settings):
    receiver = receiver_factory()
    settings.WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS = True
    pending = _pending(api, receiver)
    # Stored while allowed; now production rules apply, and the name resolves to loopback.
    settings.WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS = False
    port = receiver.server.server_address[1]
    WebhookEndpoint.objects.filter(pk=pending.endpoint_id).update(url=f"https://localhost:{port}/hook")
    delivery = webhook_delivery.deliver(pending.pk)
    attempt = delivery.attempt_log.get()
    assert attempt.response_status is None and "loopback" in attempt.error
    assert receiver.requests == []


# --- the user API -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_endpoints_crud_rotate_and_isolation(
    api, user, other_user, client_for, anon, private_destinations, receiver_factory, django_assert_max_num_queries
):
    receiver = receiver_factory()
    created = create_endpoint(api, receiver)
    endpoint_url = f"{URL}/{created['id']}"
    listed = api.get(URL).json()
    assert listed["success"] is True and [item["id"] for item in listed["data"]] == [created["id"]]
    assert "secret" not in listed["data"][0] and "secret" not in api.get(endpoint_url).json()
    changed = api.patch(endpoint_url, {"events": ["job.failed"], "description": "only failures"}, format="json")
    assert changed.status_code == 200 and changed.json()["events"] == ["job.failed"]
    rotated = api.post(f"{endpoint_url}/rotate-secret").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert WebhookEndpoint.objects.get(pk=created["id"]).secret == rotated["secret"]
    with django_assert_max_num_queries(4):
        assert api.get(f"{endpoint_url}/deliveries").json()["data"] == []

    stranger = client_for(other_user)
    for method, path in [
        ("get", endpoint_url),
        ("patch", endpoint_url),
        ("delete", endpoint_url),
        ("post", f"{endpoint_url}/rotate-secret"),
        ("get", f"{endpoint_url}/deliveries"),
    ]:
        response = getattr(stranger, method)(path, {}, format="json")
        assert response.status_code == 404 and response.json()["error"] == "resource_not_found"
    assert stranger.get(URL).json()["data"] == []
    assert anon.get(URL).status_code == 401
    assert api.get(f"{URL}/not-a-uuid").status_code == 404
    bad = api.post(URL, {"url": "not a url", "events": ["job.exploded"]}, format="json")
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"url", "events.0"}
    assert api.delete(endpoint_url).status_code == 204
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_an_owner_may_have_a_bounded_number_of_endpoints(api, private_destinations, receiver_factory, settings):
    settings.WEBHOOKS_MAX_ENDPOINTS = 2
    receiver = receiver_factory()
    for _ in range(2):
        create_endpoint(api, receiver)
    third = api.post(URL, {"url": receiver.url, "events": ["job.failed"]}, format="json")
    assert third.status_code == 400 and "At most 2" in third.json()["message"]
    assert WebhookEndpoint.objects.count() == 2


@pytest.mark.django_db
def test_every_user_credential_can_manage_endpoints(api, user, private_destinations, receiver_factory):
    from rest_framework.test import APIClient

    key = api.post("/api/api-key", {}, format="json").json()["api_key"]
    client = APIClient()
    client.credentials(HTTP_API_KEY=key)
    receiver = receiver_factory()
    assert client.post(URL, {"url": receiver.url, "events": ["job.failed"]}, format="json").status_code == 201


# --- partners ---------------------------------------------------------------------------------
@pytest.fixture
def partner_client(db):
    from partners.account import services
    from tests.partners.conftest import PartnerClient

    def make(name):
        partner, key = services.create_partner(name=name, live=True, access_enabled=True)
        return partner, PartnerClient(key)

    return make


@pytest.mark.django_db
def test_partners_manage_their_own_endpoints_in_their_dialect(partner_client, private_destinations, receiver_factory):
    partner, client = partner_client("Acme")
    _, rival = partner_client("Rival")
    receiver = receiver_factory()
    missing = client.post("/v4/partners/webhooks", {"url": receiver.url, "events": ["job.succeeded"]}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["message"].startswith("contact_email")
    created = client.post(
        "/v4/partners/webhooks",
        {"url": receiver.url, "events": ["job.succeeded"], "contact_email": "ops@acme.example"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["mode"] == "live" and body["data"]["secret"].startswith("whsec_")
    listed = client.get("/v4/partners/webhooks").json()
    assert listed["data_count"] == 1 and listed["data"][0]["contact_email"] == "ops@acme.example"
    endpoint_id = body["data"]["id"]
    assert rival.get(f"/v4/partners/webhooks/{endpoint_id}").status_code == 404
    assert rival.get("/v4/partners/webhooks").json()["data"] == []
    assert Client().get("/v4/partners/webhooks").status_code == 404  # no key: the API's unknown-key answer
    receiver.secret = body["data"]["secret"]
    subject = JobSubject(
        "partners",
        "job",
        "7",
        "/v4/partners/jobs/7",
        partner_id=partner.pk,
        result_paths={"job": "/v4/partners/jobs/7"},
    )
    [queued] = announce(subject, "job.succeeded", state="delivered")
    assert webhook_delivery.deliver(queued.pk).state == "succeeded"
    assert receiver.requests[0]["verified"]
    deliveries = client.get(f"/v4/partners/webhooks/{endpoint_id}/deliveries").json()
    assert deliveries["data_count"] == 1 and deliveries["data"][0]["attempt_log"][0]["response_status"] == 204


# --- the admin ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_staff_see_deliveries_and_resend_one(api, make_user, private_destinations, receiver_factory):
    receiver = receiver_factory(answers=(500,))
    pending = _pending(api, receiver)
    webhook_delivery.deliver(pending.pk)
    WebhookEndpoint.objects.filter(pk=pending.endpoint_id).update(enabled=False, disabled_reason="kept failing")
    admin = Client()
    admin.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))
    assert admin.get("/admin/core/webhookdelivery/").status_code == 200
    page = admin.get(f"/admin/core/webhookdelivery/{pending.pk}/change/")
    assert page.status_code == 200 and b"500" in page.content
    assert admin.get("/admin/core/webhookendpoint/").status_code == 200
    response = admin.post("/admin/core/webhookdelivery/", {"action": "resend", "_selected_action": [str(pending.pk)]})
    assert response.status_code == 302
    resent = WebhookDelivery.objects.exclude(pk=pending.pk).get()
    assert resent.payload == pending.payload and resent.message_id != pending.message_id
    assert resent.state == "pending" and WebhookEndpoint.objects.get(pk=pending.endpoint_id).enabled
    receiver.answers = [204]
    assert webhook_delivery.deliver(resent.pk).state == "succeeded"
