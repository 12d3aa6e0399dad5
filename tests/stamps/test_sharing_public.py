"""GET /api/v1/voicestamp/public/{code} and /data: what a viewer sees, privacy, view counting."""

import io
import time
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from PIL import Image

from core.errors import DomainError
from stamps.sharing.models import Share
from stamps.sharing.selectors import share_grants_file
from tests.stamps.sharing_helpers import IMAGE_SIZE, TRANSCRIPTION, TRANSLATIONS, VOICE_TAGS, stamp_with_media

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(user, media_dir):
    return stamp_with_media(user, media_dir)


def _share(api, stamp, **body) -> dict:
    response = api.post(f"/api/v1/voicestamps/{stamp.pk}/share", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _fetch(client, url: str, **headers):
    path = url.removeprefix("http://testserver")
    return client.get(path, **headers)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_public_share_gives_the_viewer_everything_with_signed_urls(api, anon, shared):
    code = _share(api, shared)["share_code"]
    response = anon.get(f"/api/v1/voicestamp/public/{code}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    stamp = body["voicestamp"]
    assert stamp["title"] == "Harbour walk" and stamp["description"] == "Sounds of the harbour"
    assert stamp["voice_tags"] == VOICE_TAGS
    assert stamp["drawings"][0]["id"] == "d1"
    assert stamp["transcription"]["text"] == TRANSCRIPTION["text"]
    assert stamp["translations"] == TRANSLATIONS
    assert body["share"]["privacy"] == "public" and body["share"]["reply_token"]

    audio = anon.get(body["audio_url"].removeprefix("http://testserver"), HTTP_RANGE="bytes=0-11")
    assert audio.status_code == 206 and _body(audio)[:4] == b"RIFF" and audio["Content-Type"] == "audio/wav"
    assert body["audio"]["duration"] == pytest.approx(4.0, abs=0.05) and body["audio"]["expires_in"] == 300
    image = _fetch(anon, body["image_url"])
    assert image.status_code == 200 and body["image"]["width"] == IMAGE_SIZE[0]
    assert Image.open(io.BytesIO(_body(image))).size == IMAGE_SIZE
    thumbnail = _fetch(anon, body["thumbnail_url"])
    assert thumbnail.status_code == 200 and _body(thumbnail)[:3] == b"\xff\xd8\xff"


def test_signed_urls_are_short_lived(api, anon, shared, settings, monkeypatch):
    code = _share(api, shared)["share_code"]
    settings.STAMPS_SHARE_URL_TTL = 30
    url = anon.get(f"/api/v1/voicestamp/public/{code}").json()["audio_url"]
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 31)
    assert _fetch(anon, url).status_code == 403


def test_stamp_without_media_has_null_urls(api, anon, user, media_dir):
    bare = stamp_with_media(user, media_dir, with_media=False)
    body = anon.get(f"/api/v1/voicestamp/public/{_share(api, bare)['share_code']}").json()
    assert body["audio_url"] is None and body["image_url"] is None and body["thumbnail_url"] is None


def test_track_view_counts_once_per_viewer_per_window(api, anon, shared):
    code = _share(api, shared)["share_code"]
    url = f"/api/v1/voicestamp/public/{code}"
    assert anon.get(url).json()["view_counted"] is False  # no track_view: not counted
    first = anon.get(f"{url}?track_view=true", HTTP_USER_AGENT="phone").json()
    assert first["view_counted"] is True and first["share"]["view_count"] == 1
    again = anon.get(f"{url}?track_view=1", HTTP_USER_AGENT="phone").json()
    assert again["view_counted"] is False and again["share"]["view_count"] == 1
    other = anon.get(f"{url}?track_view=1", HTTP_USER_AGENT="laptop").json()
    assert other["view_counted"] is True
    owner = api.get(f"{url}?track_view=1").json()
    assert owner["view_counted"] is False
    assert Share.objects.get(share_code=code).view_count == 2

    data = anon.get(f"{url}/data").json()
    assert data["views"]["share_views"] == 2 and data["views"]["stamp_views"] == 2
    assert data["views"]["last_viewed_at"]


def test_a_new_window_counts_the_same_viewer_again(api, anon, shared, settings):
    settings.STAMPS_SHARE_VIEW_WINDOW = 1
    code = _share(api, shared)["share_code"]
    url = f"/api/v1/voicestamp/public/{code}?track_view=1"
    assert anon.get(url).json()["view_counted"] is True
    # The window is the shared cache's own expiry (Redis counts it in its server), which patched
    # time cannot reach: this one wait is real.
    time.sleep(1.2)
    assert anon.get(url).json()["view_counted"] is True
    assert Share.objects.get(share_code=code).view_count == 2


def test_data_has_metadata_sharing_info_and_view_counts(api, anon, shared):
    expires = timezone.now() + timedelta(days=2)
    first = _share(api, shared, expires_at=expires.isoformat())["share_code"]
    second = _share(api, shared)["share_code"]
    anon.get(f"/api/v1/voicestamp/public/{second}?track_view=1")
    response = anon.get(f"/api/v1/voicestamp/public/{first}/data")
    assert response.status_code == 200
    body = response.json()
    assert body["voicestamp"]["title"] == "Harbour walk" and body["voicestamp"]["voice_tag_count"] == 2
    assert body["voicestamp"]["owner_name"] == "Alice Example"
    assert body["sharing"]["share_code"] == first and body["sharing"]["privacy"] == "public"
    assert body["sharing"]["public_url"] == f"http://testserver/share/{first}"
    assert body["sharing"]["expires_at"].startswith(expires.strftime("%Y-%m-%dT%H:%M"))
    assert body["views"] == {"share_views": 0, "stamp_views": 1, "last_viewed_at": None}


def test_unknown_code_is_404(anon):
    for code in ("nope", "x" * 200, "%00", "a%00b", "ab cd"):
        response = anon.get(f"/api/v1/voicestamp/public/{code}")
        assert response.status_code == 404
        assert response.json()["error"] == "resource_not_found"


def test_password_share(api, anon, shared):
    code = _share(api, shared, privacy="password", password="open sesame")["share_code"]
    url = f"/api/v1/voicestamp/public/{code}"
    missing = anon.get(url)
    assert missing.status_code == 401
    assert missing.json()["error"] == "password_required" and "X-Share-Password" in missing.json()["message"]
    wrong = anon.get(url, HTTP_X_SHARE_PASSWORD="open barley")
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "invalid_password", "message": "The password is incorrect"}
    right = anon.get(url, HTTP_X_SHARE_PASSWORD="open sesame")
    assert right.status_code == 200 and right.json()["voicestamp"]["title"] == "Harbour walk"
    assert anon.get(f"{url}/data").status_code == 401
    assert anon.get(f"{url}/data", HTTP_X_SHARE_PASSWORD="open sesame").status_code == 200
    assert api.get(url).status_code == 200  # the owner needs no password


def test_password_guessing_is_throttled(api, anon, shared, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "stamps_share_password": "3/minute"}
    code = _share(api, shared, privacy="password", password="open sesame")["share_code"]
    url = f"/api/v1/voicestamp/public/{code}"
    for attempt in range(3):
        assert anon.get(url, HTTP_X_SHARE_PASSWORD=f"guess {attempt}").status_code == 401
    blocked = anon.get(url, HTTP_X_SHARE_PASSWORD="open sesame")
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "rate_limited" and int(blocked["Retry-After"]) > 0
    # Requests without a password do not count, and other shares are not affected.
    assert anon.get(url).status_code == 401
    other = _share(api, shared, privacy="password", password="open sesame")["share_code"]
    assert anon.get(f"/api/v1/voicestamp/public/{other}", HTTP_X_SHARE_PASSWORD="open sesame").status_code == 200


def test_private_share_opens_only_to_the_owner_and_invited_recipients(api, anon, client_for, other_user, shared):
    code = _share(api, shared, privacy="private")["share_code"]
    url = f"/api/v1/voicestamp/public/{code}"
    denied = anon.get(url)
    assert denied.status_code == 403 and denied.json()["error"] == "private_share"
    assert client_for(other_user).get(url).status_code == 403
    assert anon.get(f"{url}?token=forged").status_code == 403
    assert api.get(url).status_code == 200

    invited = api.post(
        f"/api/v1/voicestamps/{shared.pk}/share/email",
        {"recipient_email": "friend@example.com", "share_code": code},
        format="json",
    )
    assert invited.status_code == 201, invited.content
    recipient = shared.shares.get(share_code=code).recipients.get()
    viewed = anon.get(f"{url}?token={recipient.access_token}&track_view=1")
    assert viewed.status_code == 200
    assert viewed.json()["share"]["reply_token"] == recipient.reply_token
    assert anon.get(url, HTTP_X_SHARE_TOKEN=recipient.access_token).status_code == 200


def test_invalid_bearer_on_a_public_endpoint_is_401(anon, api, shared):
    code = _share(api, shared)["share_code"]
    response = anon.get(f"/api/v1/voicestamp/public/{code}", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_public_endpoints_are_read_only(anon, api, shared, method):
    code = _share(api, shared)["share_code"]
    response = getattr(anon, method)(f"/api/v1/voicestamp/public/{code}")
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"


def test_on_s3_the_viewer_gets_presigned_urls(api, anon, user, media_dir, s3_storage):
    stamp = stamp_with_media(user, media_dir)
    body = anon.get(f"/api/v1/voicestamp/public/{_share(api, stamp)['share_code']}").json()
    for name in ("audio_url", "image_url", "thumbnail_url"):
        assert body[name].startswith(f"{s3_storage['endpoint']}/{s3_storage['bucket']}/stamps/{stamp.pk}/")
        assert "X-Amz-Signature=" in body[name] and "X-Amz-Expires=300" in body[name]
    audio = requests.get(body["audio_url"], headers={"Range": "bytes=0-3"}, timeout=10)
    assert audio.status_code == 206 and audio.content == b"RIFF"


def test_share_grants_file_for_the_stamps_file_views(api, shared):
    code = _share(api, shared, privacy="password", password="open sesame")["share_code"]
    audio = shared.files.get(role="audio")
    with pytest.raises(DomainError) as locked:
        share_grants_file(code, audio.filename)
    assert locked.value.code == "password_required"
    assert share_grants_file(code, audio.filename, password="open sesame") == audio
    assert share_grants_file(code, "not-a-file-of-this-stamp.wav", password="open sesame") is None
    api.delete(f"/api/v1/voicestamps/{shared.pk}/shares/{code}")
    with pytest.raises(DomainError) as revoked:
        share_grants_file(code, audio.filename, password="open sesame")
    assert revoked.value.kind == "not_found"
