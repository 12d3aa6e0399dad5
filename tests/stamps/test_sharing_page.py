"""The share page /share/{code}, server-rendered: content, markers, password form, replies, dead links."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from stamps.sharing_models import Reply, Share
from tests.stamps.sharing_helpers import recording, reset_reply_throttle, stamp_with_media

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_reply_allowance():
    reset_reply_throttle()


@pytest.fixture
def stamp(user, media_dir):
    return stamp_with_media(user, media_dir)


@pytest.fixture
def browser_client():
    return Client(enforce_csrf_checks=True)


def _code(api, stamp, **body):
    return api.post(f"/api/v1/voicestamps/{stamp.pk}/share", body, format="json").json()["share_code"]


def _csrf(client, url):
    client.get(url)
    return client.cookies["csrftoken"].value


def test_page_shows_title_image_markers_audio_and_transcript(api, browser_client, stamp):
    code = _code(api, stamp)
    response = browser_client.get(f"/share/{code}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Harbour walk</h1>" in html and "Sounds of the harbour" in html
    assert '<audio id="player"' in html and "/storage/o/" in html
    # Tags at (80, 60) and (240, 180) on a 320x240 image: 25%/25% and 75%/75%.
    assert 'data-seek="1.500" style="left: 25.000%; top: 25.000%;"' in html
    assert 'data-seek="3.250" style="left: 75.000%; top: 75.000%;"' in html
    assert 'aria-label="Voice tag 1 at 1.5 seconds: The first point"' in html
    assert "Gulls over the water." in html
    assert 'name="reply_token"' in html and Share.objects.get(share_code=code).reply_token in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<script src="/static/stamps/share.js"' in html and 'href="/static/stamps/share.css"' in html
    # Nothing from another host: the only absolute URLs are this server's signed media links.
    assert {url.split("/storage/o/")[0] for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html)} == {
        "http://testserver"}
    assert Share.objects.get(share_code=code).view_count == 1


def test_page_escapes_the_owners_text(api, browser_client, user, media_dir):
    stamp = stamp_with_media(user, media_dir, title="<script>alert(1)</script>", with_media=False,
                             voice_tags=[{"timestamp": 1, "x": 0.5, "y": 0.5, "note": "<img src=x onerror=alert(1)>"}])
    html = browser_client.get(f"/share/{_code(api, stamp)}").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_dead_links_have_clear_pages(api, browser_client, stamp):
    revoked = _code(api, stamp)
    api.delete(f"/api/v1/voicestamps/{stamp.pk}/shares/{revoked}")
    response = browser_client.get(f"/share/{revoked}")
    assert response.status_code == 404 and "This link does not work" in response.content.decode()

    expired = _code(api, stamp, expires_at=(timezone.now() + timedelta(hours=1)).isoformat())
    Share.objects.filter(share_code=expired).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = browser_client.get(f"/share/{expired}")
    assert response.status_code == 410 and "This link has expired" in response.content.decode()

    assert browser_client.get("/share/unknown-code").status_code == 404
    assert browser_client.get("/share/a%00b").status_code == 404

    private = _code(api, stamp, privacy="private")
    response = browser_client.get(f"/share/{private}")
    assert response.status_code == 403 and "This VoiceStamp is private" in response.content.decode()


def test_password_form_unlocks_the_share_for_the_session(api, browser_client, stamp):
    code = _code(api, stamp, privacy="password", password="open sesame")
    url = f"/share/{code}"
    locked = browser_client.get(url)
    assert locked.status_code == 200 and 'type="password"' in locked.content.decode()
    assert "Harbour walk" not in locked.content.decode()
    token = _csrf(browser_client, url)

    wrong = browser_client.post(url, {"password": "nope", "csrfmiddlewaretoken": token})
    assert wrong.status_code == 401 and "That password is not right." in wrong.content.decode()
    right = browser_client.post(url, {"password": "open sesame", "csrfmiddlewaretoken": token})
    assert right.status_code == 302 and right["Location"] == url
    assert "<h1>Harbour walk</h1>" in browser_client.get(url).content.decode()
    # Another browser is still locked.
    assert "<h1>Harbour walk</h1>" not in Client().get(url).content.decode()


def test_password_form_is_throttled(api, browser_client, stamp, settings):
    settings.STAMPS_SHARING_THROTTLE_RATES = {**settings.STAMPS_SHARING_THROTTLE_RATES, "stamps_share_password": "2/minute"}
    code = _code(api, stamp, privacy="password", password="open sesame")
    url = f"/share/{code}"
    token = _csrf(browser_client, url)
    for _ in range(2):
        assert browser_client.post(url, {"password": "guess", "csrfmiddlewaretoken": token}).status_code == 401
    blocked = browser_client.post(url, {"password": "open sesame", "csrfmiddlewaretoken": token})
    assert blocked.status_code == 429 and "Too many attempts" in blocked.content.decode()


def test_password_form_needs_the_csrf_token(api, browser_client, stamp):
    code = _code(api, stamp, privacy="password", password="open sesame")
    assert browser_client.post(f"/share/{code}", {"password": "open sesame"}).status_code == 403


def test_reply_form(api, browser_client, stamp):
    code = _code(api, stamp)
    url = f"/share/{code}"
    token = _csrf(browser_client, url)
    reply_token = Share.objects.get(share_code=code).reply_token

    empty = browser_client.post(f"{url}/reply", {"message": " ", "reply_token": reply_token,
                                                 "csrfmiddlewaretoken": token})
    assert empty.status_code == 422 and "Write a message or attach an audio_file." in empty.content.decode()
    sent = browser_client.post(f"{url}/reply", {"message": "Lovely", "reply_token": reply_token,
                                                "csrfmiddlewaretoken": token})
    assert sent.status_code == 302 and sent["Location"] == f"{url}?replied=1"
    assert "your reply was sent" in browser_client.get(sent["Location"]).content.decode()
    assert Reply.objects.get().message == "Lovely"
    forged = browser_client.post(f"{url}/reply", {"message": "x", "reply_token": "forged",
                                                  "csrfmiddlewaretoken": token})
    assert forged.status_code == 404


def test_invited_recipient_opens_a_private_share_with_their_link(api, browser_client, stamp):
    invited = api.post(f"/api/v1/voicestamps/{stamp.pk}/share/email", {"recipient_email": "friend@example.com"},
                       format="json").json()
    recipient = Share.objects.get(share_code=invited["share_code"]).recipients.get()
    response = browser_client.get(f"/share/{invited['share_code']}?token={recipient.access_token}")
    assert response.status_code == 200 and recipient.reply_token in response.content.decode()


def test_reply_form_with_a_recording(api, browser_client, stamp, media_dir):
    code = _code(api, stamp)
    url = f"/share/{code}"
    token = _csrf(browser_client, url)
    reply_token = Share.objects.get(share_code=code).reply_token
    with open(recording(media_dir), "rb") as wav:
        sent = browser_client.post(f"{url}/reply", {"message": "", "reply_token": reply_token, "audio_file": wav,
                                                    "csrfmiddlewaretoken": token})
    assert sent.status_code == 302
    reply = Reply.objects.get()
    assert reply.message == "" and reply.audio_content_type == "audio/wav" and reply.audio_duration == pytest.approx(4)

    not_audio = SimpleUploadedFile("voice.mp3", b"plain text, not audio", "audio/mpeg")
    refused = browser_client.post(f"{url}/reply", {"reply_token": reply_token, "audio_file": not_audio,
                                                   "csrfmiddlewaretoken": token})
    assert refused.status_code == 422 and "not a readable audio file" in refused.content.decode()
    assert Reply.objects.count() == 1
