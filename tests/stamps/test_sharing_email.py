"""POST /api/v1/voicestamps/{id}/share/email: template 100 sent by a worker through a real SMTP server."""

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone

from stamps.sharing import services as sharing_services
from stamps.sharing.models import Delivery, NotificationTemplate, Share, ShareRecipient
from tests.conftest import free_port, wait_until
from tests.stamps.sharing_helpers import seed_notification_templates, stamp_with_media

WORKFLOW_BODY = {
    "recipient_email": "friend@example.com",
    "recipient_name": "Friend Name",
    "message": "Check out my first VoiceStamp! <b>really</b>",
}


@pytest.fixture(autouse=True)
def _templates(request):
    if request.node.get_closest_marker("worker"):
        seed_notification_templates()


def _delivery_state(pk):
    return Delivery.objects.values_list("state", flat=True).get(pk=pk)


def _parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_email_share_as_in_the_workflow_example(user, api, anon, smtp_server, start_worker, media_dir):
    start_worker(smtp_server.env)
    stamp = stamp_with_media(user, media_dir, title="My First VoiceStamp", with_media=False)

    response = api.post(f"/api/v1/voicestamps/{stamp.pk}/share/email", WORKFLOW_BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True and body["email_sent"] is True
    code = body["share_code"]
    assert body["public_url"] == f"http://testserver/share/{code}"
    assert body["delivery"]["state"] == "queued" and body["recipient"]["email"] == "friend@example.com"
    delivery_id = body["delivery"]["id"]
    wait_until(lambda: _delivery_state(delivery_id) == "sent", timeout=60, message="the email to be sent")

    assert len(smtp_server.messages) == 1
    sent = smtp_server.messages[0]
    assert sent["to"] == ["friend@example.com"]
    message = sent["message"]
    assert message["Subject"] == "Alice Example shared a VoiceStamp with you: My First VoiceStamp"
    text, html = _parts(message)
    recipient = ShareRecipient.objects.get(share__share_code=code)
    personal_link = f"http://testserver/share/{code}?token={recipient.access_token}"
    assert "Hi Friend Name," in text and "Check out my first VoiceStamp! <b>really</b>" in text
    assert personal_link in text
    # The HTML part is made from the same template, with the sender's words escaped.
    assert "&lt;b&gt;really&lt;/b&gt;" in html and "<b>really</b>" not in html
    assert f'href="{personal_link}"' in html.replace("&amp;", "&")

    # The owner sees the delivery; the recipient's personal link opens the private share.
    detail = api.get(f"/api/v1/voicestamps/{stamp.pk}/shares/{code}").json()["share"]
    assert detail["privacy"] == "private"
    assert detail["recipients"][0]["delivery"]["state"] == "sent" and detail["recipients"][0]["delivery"]["sent_at"]
    assert anon.get(f"/api/v1/voicestamp/public/{code}").status_code == 403
    assert anon.get(f"/api/v1/voicestamp/public/{code}?token={recipient.access_token}").status_code == 200


@pytest.mark.django_db
def test_the_response_says_which_link_is_the_recipients_and_lets_the_owner_preview(user, api, anon, client, media_dir):
    stamp = stamp_with_media(user, media_dir, title="My First VoiceStamp", with_media=False)
    body = api.post(f"/api/v1/voicestamps/{stamp.pk}/share/email", WORKFLOW_BODY, format="json").json()
    code = body["share_code"]
    recipient = ShareRecipient.objects.get(share__share_code=code)
    assert body["recipient_url"] == f"http://testserver/share/{code}?token={recipient.access_token}"
    preview = body["owner_preview_url"]
    assert (
        preview.startswith(f"http://testserver/share/{code}?token=preview-") and recipient.access_token not in preview
    )
    # The share's own link shows a private share to no one else; the preview shows what the recipient sees.
    assert "This VoiceStamp is private" in client.get(f"/share/{code}").content.decode()
    page = client.get(preview.removeprefix("http://testserver"))
    assert page.status_code == 200 and "My First VoiceStamp" in page.content.decode()
    token = preview.split("token=")[1]
    seen = anon.get(f"/api/v1/voicestamp/public/{code}?token={token}&track_view=1")
    assert seen.status_code == 200 and seen.json()["voicestamp"]["title"] == "My First VoiceStamp"
    assert Share.objects.get(share_code=code).view_count == 0
    # Another share's preview token opens nothing here.
    other = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share/email", {"recipient_email": "b@example.com"}, format="json"
    ).json()
    other_token = other["owner_preview_url"].split("token=")[1]
    assert anon.get(f"/api/v1/voicestamp/public/{code}?token={other_token}").status_code == 403


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_template_edited_by_staff_is_used_and_existing_shares_can_be_reused(
    user, api, smtp_server, start_worker, media_dir
):
    start_worker(smtp_server.env)
    stamp = stamp_with_media(user, media_dir, with_media=False)
    NotificationTemplate.objects.filter(template_id=100, channel="email").update(
        subject="{{ stamp_title }} from {{ owner_name }}", body="Listen: {{ share_url }}"
    )
    code = api.post(f"/api/v1/voicestamps/{stamp.pk}/share", {"privacy": "public"}, format="json").json()["share_code"]

    response = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share/email",
        {"recipient_email": "Second@Example.com", "share_code": code},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["share_code"] == code
    wait_until(lambda: _delivery_state(response.json()["delivery"]["id"]) == "sent", message="the email")
    message = smtp_server.messages[0]["message"]
    assert message["Subject"] == "Harbour walk from Alice Example"
    assert smtp_server.messages[0]["to"] == ["second@example.com"]
    assert _parts(message)[0].startswith(f"Listen: http://testserver/share/{code}?token=")


class _RefusingHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's naming
        return "550 5.1.1 No such mailbox"


@pytest.fixture
def refusing_smtp_server():
    controller = Controller(_RefusingHandler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield {"EMAIL_URL": f"smtp://127.0.0.1:{controller.port}"}
    controller.stop()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_refused_email_is_failed_with_the_reason(user, api, refusing_smtp_server, start_worker, media_dir):
    start_worker(refusing_smtp_server)
    stamp = stamp_with_media(user, media_dir, with_media=False)
    body = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share/email", {"recipient_email": "nobody@example.com"}, format="json"
    ).json()

    wait_until(lambda: _delivery_state(body["delivery"]["id"]) == "failed", message="the delivery to fail")

    delivery = api.get(f"/api/v1/voicestamps/{stamp.pk}/shares/{body['share_code']}").json()["share"]["recipients"][0][
        "delivery"
    ]
    assert delivery["state"] == "failed"
    assert delivery["error"] == "The mail server refused the message: SMTPRecipientsRefused"
    assert delivery["sent_at"] is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_share_revoked_before_sending_is_not_sent(user, smtp_server, start_worker, media_dir):
    start_worker(smtp_server.env)
    stamp = stamp_with_media(user, media_dir, with_media=False)
    with transaction.atomic():
        share, _, delivery = sharing_services.invite(user, stamp.pk, channel="email", address="late@example.com")
        sharing_services.revoke_share(user, stamp.pk, share.share_code)

    wait_until(lambda: _delivery_state(delivery.pk) == "failed", message="the delivery to be refused")
    assert Delivery.objects.get(pk=delivery.pk).error == "Not sent: the share was revoked before sending."
    assert smtp_server.messages == []


# --- validation and limits (no worker: the job is queued and never sent) -----------------------
pytestmark_db = pytest.mark.django_db


@pytestmark_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "recipient_email"),
        ({"recipient_email": "not an email"}, "recipient_email"),
        ({"recipient_email": "a@b"}, "recipient_email"),
        ({"recipient_email": "friend@example.com", "message": "x" * 1001}, "message"),
        ({"recipient_email": "friend@example.com", "recipient_name": "n" * 151}, "recipient_name"),
        ({"recipient_email": "friend@example.com", "privacy": "password"}, "password"),
        ({"recipient_email": "friend@example.com", "share_code": "unknown"}, "share_code"),
        ({"recipient_email": "friend@example.com\x00"}, "recipient_email"),
    ],
)
def test_invalid_email_share_is_422_and_writes_nothing(user, api, media_dir, body, field):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    response = api.post(f"/api/v1/voicestamps/{stamp.pk}/share/email", body, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["error"] == "validation_failed" and field in response.json()["errors"]
    assert not Share.objects.exists() and not Delivery.objects.exists()


@pytestmark_db
def test_share_code_must_be_an_active_share_of_this_stamp(user, api, media_dir):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    other = stamp_with_media(user, media_dir, with_media=False)
    foreign = api.post(f"/api/v1/voicestamps/{other.pk}/share", {}, format="json").json()["share_code"]
    expired = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share",
        {"expires_at": (timezone.now() + timedelta(hours=1)).isoformat()},
        format="json",
    ).json()
    Share.objects.filter(share_code=expired["share_code"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    for code in (foreign, expired["share_code"]):
        response = api.post(
            f"/api/v1/voicestamps/{stamp.pk}/share/email",
            {"recipient_email": "friend@example.com", "share_code": code},
            format="json",
        )
        assert response.status_code == 422 and "share_code" in response.json()["errors"]
    assert not ShareRecipient.objects.exists()


@pytestmark_db
def test_email_share_is_owner_only(user, other_user, anon, client_for, media_dir):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    assert anon.post(f"/api/v1/voicestamps/{stamp.pk}/share/email", WORKFLOW_BODY, format="json").status_code == 401
    response = client_for(other_user).post(f"/api/v1/voicestamps/{stamp.pk}/share/email", WORKFLOW_BODY, format="json")
    assert response.status_code == 404 and response.json()["message"] == "VoiceStamp not found"
    assert not Delivery.objects.exists()


@pytestmark_db
def test_sending_is_limited_per_user(user, other_user, api, client_for, media_dir, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "stamps_share_send": "2/hour"}
    stamp = stamp_with_media(user, media_dir, with_media=False)
    url = f"/api/v1/voicestamps/{stamp.pk}/share/email"
    for index in range(2):
        assert api.post(url, {"recipient_email": f"r{index}@example.com"}, format="json").status_code == 201
    blocked = api.post(url, {"recipient_email": "r3@example.com"}, format="json")
    assert blocked.status_code == 429 and blocked.json()["error"] == "rate_limited" and blocked["Retry-After"]
    sms = api.post(f"/api/v1/voicestamps/{stamp.pk}/share/sms", {"recipient_phone": "+14155552671"}, format="json")
    assert sms.status_code == 429  # one limit for both channels
    assert Delivery.objects.count() == 2
    # Another user has their own allowance.
    theirs = stamp_with_media(other_user, media_dir, with_media=False)
    assert (
        client_for(other_user)
        .post(f"/api/v1/voicestamps/{theirs.pk}/share/email", {"recipient_email": "x@example.com"}, format="json")
        .status_code
        == 201
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_beat_expiry_task_on_the_worker_emails_the_owner_once(user, api, smtp_server, start_worker, media_dir):
    from stamps.sharing.tasks import expire_shares

    worker = start_worker(smtp_server.env)
    stamp = stamp_with_media(user, media_dir, with_media=False)
    code = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share",
        {"expires_at": (timezone.now() + timedelta(hours=1)).isoformat()},
        format="json",
    ).json()["share_code"]
    Share.objects.filter(share_code=code).update(expires_at=timezone.now() - timedelta(minutes=1))

    expire_shares.delay()
    expire_shares.delay()

    wait_until(
        lambda: Delivery.objects.filter(purpose="share_expired", state="sent").exists(), message="the expiry notice"
    )
    wait_until(
        lambda: sum("stamps.expire_shares" in line and "succeeded" in line for line in worker.lines) == 2,
        message="both runs of the task",
    )
    assert Share.objects.get(share_code=code).expired_at is not None
    assert Delivery.objects.filter(purpose="share_expired").count() == 1
    [sent] = smtp_server.messages
    assert sent["to"] == [user.email] and sent["from"] == "noreply@voiceplatform.local"
    assert sent["message"]["Subject"] == "Your share of Harbour walk has expired"
    assert code in sent["message"].get_body(preferencelist=("plain",)).get_content()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_email_share_repeated_with_its_idempotency_key_sends_one_email(
    user, api, smtp_server, start_worker, media_dir
):
    start_worker(smtp_server.env)
    stamp = stamp_with_media(user, media_dir, title="Once", with_media=False)
    url = f"/api/v1/voicestamps/{stamp.pk}/share/email"
    first = api.post(url, WORKFLOW_BODY, format="json", HTTP_IDEMPOTENCY_KEY="email-once")
    assert first.status_code == 201, first.content
    again = api.post(url, WORKFLOW_BODY, format="json", HTTP_IDEMPOTENCY_KEY="email-once")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = api.post(
        url, {**WORKFLOW_BODY, "recipient_email": "else@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="email-once"
    )
    assert other.status_code == 422
    assert other.json() == {
        "error": "idempotency_key_reused",
        "message": "This Idempotency-Key was used with a different request",
    }
    wait_until(lambda: _delivery_state(first.json()["delivery"]["id"]) == "sent", timeout=60, message="the email")
    assert Share.objects.filter(stamp=stamp).count() == 1 and Delivery.objects.count() == 1
    assert len(smtp_server.messages) == 1
