"""POST /api/v1/voicestamps/{id}/share and the owner's share list and revoke, in the stamps dialect."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from stamps.models import Stamp
from stamps.sharing.models import Delivery, Share
from stamps.sharing.services import SHARE_CODE_ALPHABET, expire_due_shares

pytestmark = pytest.mark.django_db


@pytest.fixture
def stamp(user):
    return Stamp.objects.create(owner=user, title="Harbour walk")


def _share(api, stamp, **body):
    return api.post(f"/api/v1/voicestamps/{stamp.pk}/share", body, format="json")


def test_public_share_link(api, stamp):
    response = _share(api, stamp, privacy="public")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True
    code = body["share_code"]
    assert len(code) >= 10 and set(code) <= set(SHARE_CODE_ALPHABET)
    assert body["public_url"] == f"http://testserver/share/{code}"
    assert body["reply_token"] and body["share"]["privacy"] == "public" and body["share"]["status"] == "active"
    assert Share.objects.get(share_code=code).stamp == stamp


def test_codes_are_unique_and_unguessable(api, stamp):
    codes = {_share(api, stamp).json()["share_code"] for _ in range(20)}
    assert len(codes) == 20
    assert len(SHARE_CODE_ALPHABET) >= 50


def test_password_share_stores_only_a_hash(api, stamp):
    response = _share(api, stamp, privacy="password", password="open sesame")
    assert response.status_code == 201
    share = Share.objects.get(share_code=response.json()["share_code"])
    assert share.privacy == "password"
    assert "open sesame" not in share.password_hash and check_password("open sesame", share.password_hash)
    assert "password" not in response.json()["share"] and "password_hash" not in response.content.decode()


def test_password_alone_means_a_password_share(api, stamp):
    response = _share(api, stamp, password="open sesame")
    assert response.status_code == 201 and response.json()["share"]["privacy"] == "password"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"privacy": "secret"}, "privacy"),
        ({"privacy": "password"}, "password"),
        ({"privacy": "password", "password": "abc"}, "password"),
        ({"privacy": "public", "password": "open sesame"}, "password"),
        ({"expires_at": "yesterday"}, "expires_at"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"allow_replies": "perhaps"}, "allow_replies"),
    ],
)
def test_invalid_options_are_422(api, stamp, body, field):
    response = _share(api, stamp, **body)
    assert response.status_code == 422, response.content
    assert response.json()["error"] == "validation_failed"
    assert field in response.json()["errors"]
    assert not Share.objects.exists()


def test_non_object_body_is_422(api, stamp):
    response = api.post(f"/api/v1/voicestamps/{stamp.pk}/share", "[1, 2]", content_type="application/json")
    assert response.status_code == 422
    malformed = api.post(f"/api/v1/voicestamps/{stamp.pk}/share", "{", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["error"] == "bad_request"


def test_anonymous_is_401_and_another_users_stamp_is_404(anon, client_for, other_user, stamp):
    response = anon.post(f"/api/v1/voicestamps/{stamp.pk}/share", {}, format="json")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    for path in (
        f"/api/v1/voicestamps/{stamp.pk}/share",
        f"/api/v1/voicestamps/{stamp.pk}/shares",
        "/api/v1/voicestamps/abc/share",
        "/api/v1/voicestamps/99999999999999999999999/share",
    ):
        method = client_for(other_user).get if path.endswith("shares") else client_for(other_user).post
        response = method(path, {}, format="json")
        assert response.status_code == 404, path
        assert response.json() == {"error": "resource_not_found", "message": "VoiceStamp not found"}
    assert not Share.objects.exists()


def test_owner_lists_shares_with_a_constant_number_of_queries(api, stamp, django_assert_max_num_queries):
    for privacy in ("public", "private", "public"):
        _share(api, stamp, privacy=privacy)
    for _ in range(2):
        api.post(
            f"/api/v1/voicestamps/{stamp.pk}/share/email", {"recipient_email": "friend@example.com"}, format="json"
        )
    with django_assert_max_num_queries(8):
        response = api.get(f"/api/v1/voicestamps/{stamp.pk}/shares?limit=3")
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 1, "limit": 3, "total": 5, "pages": 2}
    assert len(body["data"]) == 3
    newest = body["data"][0]
    assert newest["privacy"] == "private" and newest["recipients"][0]["email"] == "friend@example.com"
    assert newest["recipients"][0]["delivery"]["state"] == "queued"


def test_revoke_makes_the_share_404_and_is_owner_only(api, anon, client_for, other_user, stamp):
    code = _share(api, stamp).json()["share_code"]
    assert anon.get(f"/api/v1/voicestamp/public/{code}").status_code == 200
    assert client_for(other_user).delete(f"/api/v1/voicestamps/{stamp.pk}/shares/{code}").status_code == 404
    response = api.delete(f"/api/v1/voicestamps/{stamp.pk}/shares/{code}")
    assert response.status_code == 200
    assert response.json()["share"]["status"] == "revoked" and response.json()["message"] == "Share revoked"
    public = anon.get(f"/api/v1/voicestamp/public/{code}")
    assert public.status_code == 404
    assert public.json() == {"error": "resource_not_found", "message": "Share not found"}
    assert anon.get(f"/api/v1/voicestamp/public/{code}/data").status_code == 404
    detail = api.get(f"/api/v1/voicestamps/{stamp.pk}/shares/{code}")
    assert detail.status_code == 200 and detail.json()["share"]["status"] == "revoked"
    assert api.delete(f"/api/v1/voicestamps/{stamp.pk}/shares/nope").status_code == 404


def test_expiry_is_checked_at_request_time(api, anon, stamp):
    soon = timezone.now() + timedelta(hours=1)
    code = _share(api, stamp, expires_at=soon.isoformat()).json()["share_code"]
    assert anon.get(f"/api/v1/voicestamp/public/{code}").status_code == 200
    # The clock passes the expiry before any beat run has marked the share.
    Share.objects.filter(share_code=code).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = anon.get(f"/api/v1/voicestamp/public/{code}")
    assert response.status_code == 410
    assert response.json() == {"error": "gone", "message": "This share link has expired"}
    assert anon.get(f"/api/v1/voicestamp/public/{code}/data").status_code == 410
    assert Share.objects.get(share_code=code).expired_at is None


def test_scheduled_expiry_marks_due_shares_and_notifies_the_owner_once(api, stamp, user):
    due = _share(api, stamp, expires_at=(timezone.now() + timedelta(hours=1)).isoformat()).json()["share_code"]
    later = _share(api, stamp, expires_at=(timezone.now() + timedelta(days=3)).isoformat()).json()["share_code"]
    never = _share(api, stamp).json()["share_code"]
    Share.objects.filter(share_code=due).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert expire_due_shares() == 1
    assert expire_due_shares() == 0
    assert Share.objects.get(share_code=due).expired_at is not None
    assert Share.objects.get(share_code=later).expired_at is None
    assert Share.objects.get(share_code=never).expired_at is None
    notices = Delivery.objects.filter(purpose=Delivery.Purpose.SHARE_EXPIRED)
    assert [(n.to_address, n.share.share_code, n.state) for n in notices] == [(user.email, due, "queued")]
    assert notices[0].job is not None and notices[0].job.kind == "stamps.delivery"


def test_revoked_share_is_not_expired_again(api, stamp):
    code = _share(api, stamp, expires_at=(timezone.now() + timedelta(hours=1)).isoformat()).json()["share_code"]
    api.delete(f"/api/v1/voicestamps/{stamp.pk}/shares/{code}")
    Share.objects.filter(share_code=code).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert expire_due_shares() == 0
    assert not Delivery.objects.exists()


def test_beat_runs_the_expiry_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["stamps-expire-shares"]
    assert entry["task"] == "stamps.expire_shares"
    from stamps.sharing.tasks import expire_shares

    assert expire_shares.name == "stamps.expire_shares"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "/api/v1/voicestamps/{id}/shares?page=abc&limit=-5", None),
        ("get", "/api/v1/voicestamps/{id}/replies?page=999999999999999999999", None),
        ("post", "/api/v1/voicestamps/{id}/share", {"password": "p" * 129}),
        ("post", "/api/v1/voicestamps/{id}/share", {"expires_at": "9999-12-31T23:59:59Z", "privacy": None}),
        ("post", "/api/v1/voicestamps/{id}/share", {"privacy": ["public"], "allow_replies": {"a": 1}}),
        ("post", "/api/v1/voicestamps/{id}/share/email", {"recipient_email": ["a@example.com"], "share_code": 5}),
        ("post", "/api/v1/voicestamps/{id}/share/sms", {"recipient_phone": "+\u0661\u0662\u0663", "message": None}),
        ("get", "/api/v1/voicestamps/{id}/shares/\u00e9\u00e9\u00e9", None),
        ("delete", "/api/v1/voicestamps/{id}/shares/" + "z" * 500, None),
        ("get", "/api/v1/voicestamp/public/\u00e9t\u00e9?track_view=\u00e9", None),
        ("post", "/api/v1/security/vst/reply/\u00e9t\u00e9", {"message": "hi"}),
        ("post", "/api/v1/security/vst/reply/tok", {"audio_file": "not a file"}),
    ],
)
def test_odd_input_never_crashes(api, stamp, method, path, body):
    response = getattr(api, method)(path.format(id=stamp.pk), body, format="json")
    assert response.status_code < 500, response.content
    assert "error" in response.json() or response.json()["success"] is True
