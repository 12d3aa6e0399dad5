"""POST /api/v1/security/vst/reply/{token} and the owner's GET /api/v1/voicestamps/{id}/replies."""

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.storage import object_storage
from stamps.sharing.models import Delivery, Reply, Share
from tests.conftest import wait_until
from tests.media import transcode
from tests.stamps.sharing_helpers import recording, reset_reply_throttle, seed_notification_templates, stamp_with_media


@pytest.fixture(autouse=True)
def _templates(request):
    reset_reply_throttle()
    if request.node.get_closest_marker("worker"):
        seed_notification_templates()


def _file(data: bytes, name: str):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def _public_share(api, stamp, **body) -> dict:
    return api.post(f"/api/v1/voicestamps/{stamp.pk}/share", body, format="json").json()


@pytest.mark.django_db
def test_reply_with_a_message(user, api, anon, media_dir):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    token = _public_share(api, stamp)["reply_token"]
    response = anon.post(f"/api/v1/security/vst/reply/{token}", {"message": "  Lovely gulls!  "}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True and body["message"] == "Reply sent"
    assert body["reply"]["message"] == "Lovely gulls!" and body["reply"]["audio"] is None
    notice = Delivery.objects.get(purpose=Delivery.Purpose.REPLY_NOTICE)
    assert notice.to_address == user.email and notice.reply_id == body["reply"]["id"] and notice.state == "queued"


@pytest.mark.django_db
def test_reply_with_a_recording_checked_by_content(user, api, anon, media_dir):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    token = _public_share(api, stamp)["reply_token"]
    mp3 = transcode(recording(media_dir), media_dir / "reply.mp3", "-c:a", "libmp3lame", "-b:a", "64k")
    # The name says .txt: the content decides.
    response = anon.post(
        f"/api/v1/security/vst/reply/{token}", {"audio_file": _file(mp3.read_bytes(), "answer.txt")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    audio = response.json()["reply"]["audio"]
    assert audio["content_type"] == "audio/mpeg" and audio["duration"] == pytest.approx(4.0, abs=0.1)
    reply = Reply.objects.get()
    assert reply.audio_key.startswith(f"stamps/{stamp.pk}/replies/") and reply.audio_key.endswith(".mp3")
    assert object_storage.exists(reply.audio_key)
    fetched = api.get(audio["url"].removeprefix("http://testserver"))
    assert fetched.status_code == 200 and b"".join(fetched.streaming_content) == mp3.read_bytes()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 5001}, "message"),
        ({"audio_file": _file(b"this is not audio at all", "fake.mp3")}, "audio_file"),
        ({"audio_file": _file(b"", "empty.mp3")}, "audio_file"),
    ],
)
def test_invalid_replies_are_422_and_store_nothing(user, api, anon, media_dir, data, field, local_storage):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    token = _public_share(api, stamp)["reply_token"]
    response = anon.post(f"/api/v1/security/vst/reply/{token}", data, format="multipart")
    assert response.status_code == 422, response.content
    assert response.json()["error"] == "validation_failed" and field in response.json()["errors"]
    assert not Reply.objects.exists() and not Delivery.objects.exists()
    assert object_storage.list(f"stamps/{stamp.pk}/replies") == []


@pytest.mark.django_db
def test_too_large_recording_is_refused(user, api, anon, media_dir, settings):
    settings.STAMPS_REPLY_MAX_AUDIO_BYTES = 1000
    stamp = stamp_with_media(user, media_dir, with_media=False)
    token = _public_share(api, stamp)["reply_token"]
    response = anon.post(
        f"/api/v1/security/vst/reply/{token}",
        {"audio_file": _file(recording(media_dir).read_bytes(), "a.wav")},
        format="multipart",
    )
    assert response.status_code == 413 and "audio_file" in response.json()["errors"]
    assert not Reply.objects.exists()


@pytest.mark.django_db
def test_reply_tokens_follow_the_share(user, api, anon, media_dir):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    for token in ("unknown", "a%00b", "x" * 300):
        response = anon.post(f"/api/v1/security/vst/reply/{token}", {"message": "hi"}, format="json")
        assert response.status_code == 404 and response.json()["error"] == "resource_not_found"

    revoked = _public_share(api, stamp)
    api.delete(f"/api/v1/voicestamps/{stamp.pk}/shares/{revoked['share_code']}")
    assert (
        anon.post(f"/api/v1/security/vst/reply/{revoked['reply_token']}", {"message": "hi"}, format="json").status_code
        == 404
    )

    expired = _public_share(api, stamp, expires_at=(timezone.now() + timedelta(hours=1)).isoformat())
    Share.objects.filter(share_code=expired["share_code"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    gone = anon.post(f"/api/v1/security/vst/reply/{expired['reply_token']}", {"message": "hi"}, format="json")
    assert gone.status_code == 410 and gone.json()["error"] == "gone"

    closed = _public_share(api, stamp, allow_replies=False)
    assert closed["reply_token"] is None
    token = Share.objects.get(share_code=closed["share_code"]).reply_token
    assert anon.post(f"/api/v1/security/vst/reply/{token}", {"message": "hi"}, format="json").status_code == 404
    assert not Reply.objects.exists()


@pytest.mark.django_db
def test_replies_are_throttled_per_client(user, api, anon, media_dir, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "stamps_share_reply": "2/hour"}
    stamp = stamp_with_media(user, media_dir, with_media=False)
    token = _public_share(api, stamp)["reply_token"]
    url = f"/api/v1/security/vst/reply/{token}"
    assert [anon.post(url, {"message": "hi"}, format="json").status_code for _ in range(3)] == [201, 201, 429]
    assert Reply.objects.count() == 2


@pytest.mark.django_db
def test_owner_lists_replies_with_a_constant_number_of_queries(
    user, other_user, api, anon, client_for, media_dir, django_assert_max_num_queries
):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    public = _public_share(api, stamp)
    invited = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share/email",
        {"recipient_email": "friend@example.com", "recipient_name": "Friend"},
        format="json",
    ).json()
    for index in range(3):
        anon.post(f"/api/v1/security/vst/reply/{public['reply_token']}", {"message": f"public {index}"}, format="json")
    anon.post(
        f"/api/v1/security/vst/reply/{invited['recipient']['reply_token']}", {"message": "from a friend"}, format="json"
    )

    with django_assert_max_num_queries(5):
        response = api.get(f"/api/v1/voicestamps/{stamp.pk}/replies?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 4, "pages": 2}
    newest = body["data"][0]
    assert newest["message"] == "from a friend" and newest["share_code"] == invited["share_code"]
    assert newest["from"] == {"recipient_id": invited["recipient"]["id"], "name": "Friend", "channel": "email"}
    assert body["data"][1]["from"] is None

    assert client_for(other_user).get(f"/api/v1/voicestamps/{stamp.pk}/replies").status_code == 404
    assert anon.get(f"/api/v1/voicestamps/{stamp.pk}/replies").status_code == 401


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_owner_gets_an_email_when_a_reply_arrives(user, api, anon, smtp_server, start_worker, media_dir):
    start_worker(smtp_server.env)
    stamp = stamp_with_media(user, media_dir, with_media=False)
    shared = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share/email", {"recipient_email": "friend@example.com"}, format="json"
    ).json()
    token = shared["recipient"]["reply_token"]
    wait_until(lambda: len(smtp_server.messages) == 1, message="the invitation")
    smtp_server.messages.clear()
    mp3 = transcode(recording(media_dir), media_dir / "reply.mp3", "-c:a", "libmp3lame", "-b:a", "64k")
    reply = anon.post(
        f"/api/v1/security/vst/reply/{token}",
        {"message": "Lovely gulls!", "audio_file": _file(mp3.read_bytes(), "reply.mp3")},
        format="multipart",
    ).json()

    notice = Delivery.objects.get(reply_id=reply["reply"]["id"])
    wait_until(lambda: Delivery.objects.get(pk=notice.pk).state == "sent", message="the reply notice")
    [sent] = smtp_server.messages
    assert sent["to"] == [user.email]
    assert sent["message"]["Subject"] == "New reply to your VoiceStamp: Harbour walk"
    text = sent["message"].get_body(preferencelist=("plain",)).get_content()
    assert 'replied to "Harbour walk" with a recording' in text and "Lovely gulls!" in text
    # Every link in the email opens for a person with a browser: no API paths, no placeholders.
    assert "{id}" not in text and "GET /api" not in text
    assert shared["owner_preview_url"] in text  # a private share: its plain link would say "private"
    page = Client().get(shared["owner_preview_url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "Harbour walk" in page.content.decode()
    audio_url = re.search(r"Listen to the reply: (\S+)", text).group(1)
    played = Client().get(audio_url.removeprefix("http://testserver"), headers={"Range": "bytes=0-99"})
    assert played.status_code == 206 and played["Content-Type"] == "audio/mpeg"


@pytest.mark.django_db
def test_a_reply_carries_the_name_the_replier_gave(user, api, anon, media_dir):
    stamp = stamp_with_media(user, media_dir, with_media=False)
    token = _public_share(api, stamp)["reply_token"]
    named = anon.post(f"/api/v1/security/vst/reply/{token}", {"name": "  Sam Reader ", "message": "Hi"}, format="json")
    assert named.status_code == 201 and named.json()["reply"]["name"] == "Sam Reader"
    # The field is optional: clients that never sent it keep working, and get "".
    unnamed = anon.post(f"/api/v1/security/vst/reply/{token}", {"message": "Hi again"}, format="json")
    assert unnamed.status_code == 201 and unnamed.json()["reply"]["name"] == ""
    too_long = anon.post(f"/api/v1/security/vst/reply/{token}", {"name": "x" * 101, "message": "Hi"}, format="json")
    assert too_long.status_code == 422 and "name" in too_long.json()["errors"]
    # An invited recipient who gives no name is known by the name the owner invited them with.
    invited = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share/email",
        {"recipient_email": "friend@example.com", "recipient_name": "Friend Name"},
        format="json",
    )
    recipient = Share.objects.get(share_code=invited.json()["share_code"]).recipients.get()
    assert (
        anon.post(f"/api/v1/security/vst/reply/{recipient.reply_token}", {"message": "Thanks"}, format="json").json()[
            "reply"
        ]["name"]
        == "Friend Name"
    )

    listed = api.get(f"/api/v1/voicestamps/{stamp.pk}/replies").json()["data"]
    assert [(r["name"], r["message"]) for r in listed] == [
        ("Friend Name", "Thanks"),
        ("", "Hi again"),
        ("Sam Reader", "Hi"),
    ]
    assert Reply.objects.filter(name="Sam Reader").count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_owners_email_names_the_replier(user, api, anon, smtp_server, start_worker, media_dir):
    start_worker(smtp_server.env)
    stamp = stamp_with_media(user, media_dir, with_media=False)
    token = _public_share(api, stamp)["reply_token"]
    reply = anon.post(
        f"/api/v1/security/vst/reply/{token}", {"name": "Sam Reader", "message": "Lovely gulls!"}, format="json"
    ).json()
    notice = Delivery.objects.get(reply_id=reply["reply"]["id"])
    wait_until(lambda: Delivery.objects.get(pk=notice.pk).state == "sent", message="the reply notice")
    [sent] = smtp_server.messages
    assert "Sam Reader replied to" in sent["message"].get_body(preferencelist=("plain",)).get_content()
