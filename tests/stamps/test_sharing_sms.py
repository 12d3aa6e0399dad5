"""POST /api/v1/voicestamps/{id}/share/sms: E.164 numbers, template 100, the file backend and a
Twilio-style HTTP provider served by a local HTTP server."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from stamps.sharing.models import Delivery, ShareRecipient
from tests.conftest import wait_until
from tests.stamps.sharing_helpers import seed_notification_templates, stamp_with_media

ACCEPTED = "+14155552671"  # the provider sends it
REFUSED = "+442071838750"  # the provider refuses it (400)
BUSY_ONCE = "+81312345678"  # the provider is unavailable (503) once, then sends it


@pytest.fixture(autouse=True)
def _templates(request):
    if request.node.get_closest_marker("worker"):
        seed_notification_templates()


class SmsProvider:
    """Records the requests a Twilio-style Messages endpoint receives and answers by number."""

    def __init__(self):
        self.requests: list[dict] = []
        self.busy_answered = False
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "form": form})
                status, body = provider.answer(form.get("To"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/2010-04-01"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, to):
        if to == REFUSED:
            return 400, {"code": 21211, "message": "The 'To' number is not a valid mobile number."}
        if to == BUSY_ONCE and not self.busy_answered:
            self.busy_answered = True
            return 503, {"message": "Service unavailable"}
        return 201, {"sid": f"SM{len(self.requests):032d}", "status": "queued"}


@pytest.fixture
def sms_provider():
    provider = SmsProvider()
    yield provider
    provider.server.shutdown()


def _state(pk):
    return Delivery.objects.values_list("state", flat=True).get(pk=pk)


def _send(api, stamp, phone, **extra):
    response = api.post(f"/api/v1/voicestamps/{stamp.pk}/share/sms", {"recipient_phone": phone, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_http_provider_sends_refuses_and_is_retried(user, api, sms_provider, start_worker, media_dir):
    start_worker(
        {
            "STAMPS_SMS_BACKEND": "http",
            "STAMPS_SMS_API_URL": sms_provider.url,
            "STAMPS_SMS_ACCOUNT_SID": "AC123",
            "STAMPS_SMS_AUTH_TOKEN": "secret-token",
            "STAMPS_SMS_FROM": "+15005550006",
        }
    )
    stamp = stamp_with_media(user, media_dir, title="Harbour walk", with_media=False)

    sent = _send(api, stamp, "+1 (415) 555-2671", message="Listen to this")
    refused = _send(api, stamp, REFUSED, share_code=sent["share_code"])
    retried = _send(api, stamp, BUSY_ONCE, share_code=sent["share_code"])
    assert sent["sms_sent"] is True and sent["recipient"]["phone"] == ACCEPTED

    wait_until(lambda: _state(sent["delivery"]["id"]) == "sent", message="the SMS to be sent")
    wait_until(lambda: _state(refused["delivery"]["id"]) == "failed", message="the refused SMS to fail")
    wait_until(lambda: _state(retried["delivery"]["id"]) == "sent", timeout=90, message="the retried SMS")

    first = next(r for r in sms_provider.requests if r["form"]["To"] == ACCEPTED)
    assert first["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert first["auth"] == "Basic " + base64.b64encode(b"AC123:secret-token").decode()
    assert first["form"]["From"] == "+15005550006"
    recipient = ShareRecipient.objects.get(phone=ACCEPTED)
    assert first["form"]["Body"] == (
        f'Alice Example shared a VoiceStamp with you: "Harbour walk". Listen to this '
        f"http://testserver/share/{sent['share_code']}?token={recipient.access_token}"
    )
    assert Delivery.objects.get(pk=sent["delivery"]["id"]).provider_message_id.startswith("SM")
    assert [r["form"]["To"] for r in sms_provider.requests].count(BUSY_ONCE) == 2
    assert Delivery.objects.get(pk=retried["delivery"]["id"]).job.attempts == 2

    recipients = api.get(f"/api/v1/voicestamps/{stamp.pk}/shares/{sent['share_code']}").json()["share"]["recipients"]
    by_phone = {r["phone"]: r["delivery"] for r in recipients}
    assert by_phone[ACCEPTED]["state"] == "sent"
    assert by_phone[REFUSED]["state"] == "failed"
    assert by_phone[REFUSED]["error"] == (
        "SMS provider refused the message (400): The 'To' number is not a valid mobile number."
    )
    assert by_phone[BUSY_ONCE]["state"] == "sent" and by_phone[BUSY_ONCE]["error"] is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_file_backend_writes_the_message_under_the_data_dir(user, api, start_worker, media_dir, tmp_path):
    start_worker({"STAMPS_SMS_BACKEND": "file", "STAMPS_SMS_FILE_DIR": str(tmp_path / "sms")})
    stamp = stamp_with_media(user, media_dir, with_media=False)
    body = _send(api, stamp, ACCEPTED)
    wait_until(lambda: _state(body["delivery"]["id"]) == "sent", message="the SMS file")
    files = list((tmp_path / "sms").glob("*.json"))
    assert len(files) == 1
    record = json.loads(files[0].read_text())
    assert record["to"] == ACCEPTED and record["id"] == Delivery.objects.get().provider_message_id
    assert f"/share/{body['share_code']}?token=" in record["body"]


def test_the_default_file_backend_lives_in_the_data_dir(settings):
    assert settings.STAMPS_SMS_BACKEND == "file"
    assert settings.STAMPS_SMS_FILE_DIR == str(settings.DATA_DIR / "sms")


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["4155552671", "+1415", "not a phone", "+999 123", "", "+1" + "5" * 30])
def test_phone_numbers_must_be_valid_e164(user, api, media_dir, phone):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    response = api.post(f"/api/v1/voicestamps/{stamp.pk}/share/sms", {"recipient_phone": phone}, format="json")
    assert response.status_code == 422, response.content
    assert "recipient_phone" in response.json()["errors"]
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_sms_message_has_its_own_length_limit(user, api, media_dir):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    response = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share/sms", {"recipient_phone": ACCEPTED, "message": "x" * 301}, format="json"
    )
    assert response.status_code == 422 and "message" in response.json()["errors"]
