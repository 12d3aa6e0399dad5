"""The share page /share/{code}, server-rendered: content, markers, password form, replies, dead links."""

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.storage import object_storage
from stamps.models import StampFile
from stamps.sharing.models import Reply, Share
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
    assert 'Shared by <strong class="shared-by">Alice Example</strong>' in html
    assert '<audio id="player"' in html and "/storage/o/" in html
    # Tags at (80, 60) and (240, 180) on a 320x240 image: 25%/25% and 75%/75%, placed by share.js.
    assert 'data-seek="1.500" data-left="25.000" data-top="25.000"' in html
    assert 'data-seek="3.250" data-left="75.000" data-top="75.000"' in html
    assert 'aria-label="Voice tag 1 at 1.5 seconds: The first point"' in html
    assert 'data-seek="0.000" data-end="2.000">Gulls over the water.</button>' in html
    assert 'Translation <span class="language">Spanish</span>' in html
    assert '<p lang="es">Gaviotas sobre el agua. Luego la bocina del ferry.</p>' in html
    assert 'name="reply_token"' in html and Share.objects.get(share_code=code).reply_token in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<script src="/static/stamps/share.js"' in html and 'href="/static/stamps/share.css"' in html
    # Nothing from another host: the only absolute URLs are this server's signed media links.
    assert {url.split("/storage/o/")[0] for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html)} == {
        "http://testserver"
    }
    # Ready for a Content-Security-Policy: no inline styles, handlers or code; the one inline
    # <script> is the JSON data block, which browsers do not run.
    assert not re.search(r"\sstyle=|\son[a-z]+=|<style", html)
    inline = re.findall(r"<script(?![^>]*\ssrc=)([^>]*)>", html)
    assert inline == [' id="share-data" type="application/json"']
    assert Share.objects.get(share_code=code).view_count == 1


def _page_data(html: str) -> dict:
    return json.loads(re.search(r'<script id="share-data" type="application/json">(.*?)</script>', html, re.S)[1])


def test_markers_are_numbered_by_time_and_drawings_scaled_to_their_frame(api, browser_client, user, media_dir):
    tags = [
        {"timestamp": 3.0, "x": 160, "y": 120, "note": "Last"},
        {"timestamp": 0.5, "x": 0.1, "y": 0.1, "note": "First"},
        {"timestamp": 2.0, "note": "Middle, nowhere on the image"},
    ]
    stamp = stamp_with_media(user, media_dir, voice_tags=tags)
    html = browser_client.get(f"/share/{_code(api, stamp)}").content.decode()
    assert re.findall(r'aria-label="Voice tag (\d) at ([\d.]+) seconds: (\w+)', html) == [
        ("1", "0.5", "First"),
        ("3", "3", "Last"),
    ]
    listed = re.findall(
        r'<span class="number" aria-hidden="true">(\d)</span><span class="time">([^<]*)</span>'
        r'<span class="note">([^<]*)</span>',
        html,
    )
    assert listed == [("1", "0:00.5", "First"), ("2", "0:02", "Middle, nowhere on the image"), ("3", "0:03", "Last")]
    # On the waveform of the 4 s recording: 12.5 %, 50 %, 75 %.
    assert re.findall(r'data-along="([\d.]+)"[^>]*>(\d)<', html) == [("12.500", "1"), ("50.000", "2"), ("75.000", "3")]
    data = _page_data(html)
    assert [m["number"] for m in data["markers"]] == [1, 2, 3]
    assert data["duration"] == pytest.approx(4.0, abs=0.05)
    # Drawings in time order, points as fractions of the 320x240 frame they were drawn in.
    assert [d["time"] for d in data["drawings"]] == [1.0, 3.0]
    assert data["drawings"][0]["strokes"][0]["points"] == [[0.125, 0.83333], [0.375, 0.83333]]
    assert data["drawings"][0]["strokes"][0]["width"] == pytest.approx(8 / 320)


def test_waveform_peaks_are_computed_once_and_kept(api, browser_client, stamp):
    audio_file = stamp.files.get(role=StampFile.Role.AUDIO)
    assert "peaks" not in audio_file.details  # no job has run in this test
    code = _code(api, stamp)
    peaks = _page_data(browser_client.get(f"/share/{code}").content.decode())["peaks"]
    # The test tone is a sine at ffmpeg's default amplitude of 1/8, the same all through.
    assert len(peaks) == 1000 and min(peaks) == pytest.approx(0.125, abs=0.01) and max(peaks) < 0.14
    audio_file.refresh_from_db()
    assert audio_file.details["peaks"] == peaks
    # Kept with the recording: the next view reads them and writes nothing.
    with CaptureQueriesContext(connection) as queries:
        assert _page_data(browser_client.get(f"/share/{code}").content.decode())["peaks"] == peaks
    assert not [q for q in queries.captured_queries if "stamps_stampfile" in q["sql"] and "UPDATE" in q["sql"]]


def test_page_escapes_the_owners_text(api, browser_client, user, media_dir):
    stamp = stamp_with_media(
        user,
        media_dir,
        title="<script>alert(1)</script>",
        with_media=False,
        voice_tags=[{"timestamp": 1, "x": 0.5, "y": 0.5, "note": "<img src=x onerror=alert(1)>"}],
    )
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
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "stamps_share_password": "2/minute"}
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

    empty = browser_client.post(
        f"{url}/reply", {"name": "Sam", "message": " ", "reply_token": reply_token, "csrfmiddlewaretoken": token}
    )
    assert empty.status_code == 422 and "Write a message or attach an audio_file." in empty.content.decode()
    # The page asks who is writing, and keeps what was typed when it refuses.
    nameless = browser_client.post(
        f"{url}/reply", {"name": "  ", "message": "Lovely", "reply_token": reply_token, "csrfmiddlewaretoken": token}
    )
    assert nameless.status_code == 422
    assert "Write your name, so the owner knows who replied." in nameless.content.decode()
    assert ">Lovely</textarea>" in nameless.content.decode()
    assert not Reply.objects.exists()
    sent = browser_client.post(
        f"{url}/reply",
        {"name": " Sam Reader ", "message": "Lovely", "reply_token": reply_token, "csrfmiddlewaretoken": token},
    )
    assert sent.status_code == 302 and sent["Location"] == f"{url}?replied=1#reply"
    assert "your reply was sent" in browser_client.get(sent["Location"]).content.decode()
    assert (Reply.objects.get().name, Reply.objects.get().message) == ("Sam Reader", "Lovely")
    forged = browser_client.post(
        f"{url}/reply", {"name": "Sam", "message": "x", "reply_token": "forged", "csrfmiddlewaretoken": token}
    )
    assert forged.status_code == 404


def test_invited_recipient_opens_a_private_share_with_their_link(api, browser_client, stamp):
    invited = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share/email", {"recipient_email": "friend@example.com"}, format="json"
    ).json()
    recipient = Share.objects.get(share_code=invited["share_code"]).recipients.get()
    response = browser_client.get(f"/share/{invited['share_code']}?token={recipient.access_token}")
    assert response.status_code == 200 and recipient.reply_token in response.content.decode()


def test_reply_form_offers_an_invited_recipients_name(api, browser_client, stamp):
    invited = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share/email",
        {"recipient_email": "friend@example.com", "recipient_name": "Friend Name"},
        format="json",
    ).json()
    recipient = Share.objects.get(share_code=invited["share_code"]).recipients.get()
    html = browser_client.get(f"/share/{invited['share_code']}?token={recipient.access_token}").content.decode()
    assert 'name="name" maxlength="100" autocomplete="name" required value="Friend Name"' in html


def test_reply_form_with_a_recording(api, browser_client, stamp, media_dir):
    code = _code(api, stamp)
    url = f"/share/{code}"
    token = _csrf(browser_client, url)
    reply_token = Share.objects.get(share_code=code).reply_token
    with open(recording(media_dir), "rb") as wav:
        sent = browser_client.post(
            f"{url}/reply",
            {"name": "Sam", "message": "", "reply_token": reply_token, "audio_file": wav, "csrfmiddlewaretoken": token},
        )
    assert sent.status_code == 302
    reply = Reply.objects.get()
    assert reply.message == "" and reply.audio_content_type == "audio/wav" and reply.audio_duration == pytest.approx(4)

    not_audio = SimpleUploadedFile("voice.mp3", b"plain text, not audio", "audio/mpeg")
    refused = browser_client.post(
        f"{url}/reply",
        {"name": "Sam", "reply_token": reply_token, "audio_file": not_audio, "csrfmiddlewaretoken": token},
    )
    assert refused.status_code == 422 and "not a readable audio file" in refused.content.decode()
    assert Reply.objects.count() == 1


def _meta(html: str) -> dict:
    return dict(re.findall(r'<meta (?:property|name)="((?:og|twitter):[^"]+)" content="([^"]*)">', html))


def test_a_public_link_previews_with_title_words_and_picture(api, browser_client, stamp, settings):
    settings.PUBLIC_BASE_URL = "https://stamps.example.org"
    code = _code(api, stamp)
    tags = _meta(browser_client.get(f"/share/{code}").content.decode())
    preview_url = f"https://stamps.example.org/share/{code}/preview"
    assert tags == {
        "og:type": "website",
        "og:site_name": "VoiceStamp",
        "og:title": "Harbour walk",
        "og:description": "Sounds of the harbour",
        "og:url": f"https://stamps.example.org/share/{code}",
        "og:image": preview_url,
        "og:image:width": "480",
        "og:image:height": "270",
        "og:image:alt": "Harbour walk",
        "twitter:card": "summary_large_image",
        "twitter:title": "Harbour walk",
        "twitter:description": "Sounds of the harbour",
        "twitter:image": preview_url,
        "twitter:image:alt": "Harbour walk",
    }
    # The picture has a stable address (previewers fetch it whenever they like): the thumbnail.
    picture = Client().get(f"/share/{code}/preview")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    thumbnail = stamp.files.get(role=StampFile.Role.THUMBNAIL)
    assert b"".join(picture.streaming_content) == object_storage.open(thumbnail.key).read()
    # Without a description the transcript describes it.
    stamp.description = ""
    stamp.save(update_fields=["description"])
    assert _meta(browser_client.get(f"/share/{code}").content.decode())["og:description"] == (
        "Gulls over the water. Then the ferry horn."
    )


@pytest.mark.parametrize("privacy", ["password", "private"])
def test_a_protected_link_previews_without_its_content(api, browser_client, stamp, privacy):
    options = {"privacy": privacy, **({"password": "open sesame"} if privacy == "password" else {})}
    code = _code(api, stamp, **options)
    response = browser_client.get(f"/share/{code}")
    assert response.status_code == (200 if privacy == "password" else 403)
    html = response.content.decode()
    tags = _meta(html)
    assert tags["og:title"] == "A VoiceStamp was shared with you"
    assert tags["og:description"] == "Open the link to see and hear it."
    assert "og:image" not in tags and "twitter:image" not in tags and tags["twitter:card"] == "summary"
    for secret in ("Harbour walk", "harbour", "Gulls", "Alice"):
        assert secret not in html
    assert Client().get(f"/share/{code}/preview").status_code == 404
    # Not even the owner's own session turns the preview into content: previewers are anonymous.
    owner = Client()
    owner.force_login(stamp.owner)
    assert "og:image" not in _meta(owner.get(f"/share/{code}").content.decode())


def test_the_player_gets_fresh_media_links_on_the_pages_access_rules(api, browser_client, stamp, settings):
    settings.STAMPS_SHARE_URL_TTL = 60
    code = _code(api, stamp, privacy="password", password="open sesame")
    url = f"/share/{code}/media"
    locked = browser_client.get(url)
    assert locked.status_code == 401 and locked.json()["error"] == "password_required"
    browser_client.post(
        f"/share/{code}", {"password": "open sesame", "csrfmiddlewaretoken": _csrf(browser_client, f"/share/{code}")}
    )
    assert browser_client.get(f"/share/{code}").status_code == 200
    media = browser_client.get(url)
    assert media.status_code == 200 and media["Cache-Control"].startswith("max-age=0")
    body = media.json()
    assert body["audio"]["expires_in"] == 60 and body["audio"]["content_type"] == "audio/wav"
    assert body["image"]["width"] == 320
    audio = browser_client.get(body["audio"]["url"].removeprefix("http://testserver"), HTTP_RANGE="bytes=0-99")
    assert audio.status_code == 206 and len(b"".join(audio.streaming_content)) == 100
    # Fetching links is not a view.
    assert Share.objects.get(share_code=code).view_count == 1

    api.delete(f"/api/v1/voicestamps/{stamp.pk}/shares/{code}")
    gone = browser_client.get(url)
    assert gone.status_code == 404 and gone.json() == {
        "success": False,
        "error": "resource_not_found",
        "message": "Share not found",
    }
    assert browser_client.get("/share/a%00b/media").status_code == 404


def test_a_page_does_not_compute_peaks_another_request_is_computing(api, browser_client, stamp):
    from django.core.cache import cache

    audio_file = stamp.files.get(role=StampFile.Role.AUDIO)
    code = _code(api, stamp)
    cache.add(f"stamps:peaks:{audio_file.pk}", 1)  # as a concurrent first view holds it
    try:
        assert _page_data(browser_client.get(f"/share/{code}").content.decode())["peaks"] == []
    finally:
        cache.delete(f"stamps:peaks:{audio_file.pk}")
    audio_file.refresh_from_db()
    assert "peaks" not in audio_file.details
    assert len(_page_data(browser_client.get(f"/share/{code}").content.decode())["peaks"]) == 1000


def test_on_s3_the_page_plays_presigned_links_and_previews_from_the_bucket(api, user, media_dir, s3_storage):
    import requests

    stamp = stamp_with_media(user, media_dir)
    code = _code(api, stamp)
    html = Client().get(f"/share/{code}").content.decode()
    bucket = f"{s3_storage['endpoint']}/{s3_storage['bucket']}/stamps/{stamp.pk}/"
    assert re.search(
        rf'<audio id="player" controls preload="metadata" src="{re.escape(bucket)}[^"]+X-Amz-Signature=',
        html.replace("&amp;", "&"),
    )
    fresh = Client().get(f"/share/{code}/media").json()
    assert fresh["audio"]["url"].startswith(bucket) and "X-Amz-Expires=300" in fresh["audio"]["url"]
    audio = requests.get(fresh["audio"]["url"], headers={"Range": "bytes=0-3"}, timeout=10)
    assert audio.status_code == 206 and audio.content == b"RIFF"
    # The preview picture is served by us from the bucket: a stable address however long it is cached.
    picture = Client().get(f"/share/{code}/preview")
    assert picture.status_code == 200 and b"".join(picture.streaming_content)[:3] == b"\xff\xd8\xff"
