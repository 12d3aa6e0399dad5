"""The sharing operations document their bodies, and real responses match what they declare."""

import pytest

from tests.openapi import assert_matches
from tests.stamps.sharing_helpers import reset_reply_throttle, stamp_with_media

pytestmark = pytest.mark.django_db


def test_every_sharing_response_matches_its_documented_schema(user, api, anon, media_dir):
    reset_reply_throttle()
    stamp = stamp_with_media(user, media_dir)
    base = f"/api/v1/voicestamps/{stamp.pk}"

    created = api.post(f"{base}/share", {}, format="json")
    assert_matches(created, "post", "/api/v1/voicestamps/{stamp_id}/share")
    code, reply_token = created.json()["share_code"], created.json()["reply_token"]
    invited = api.post(
        f"{base}/share/email", {"recipient_email": "friend@example.com", "share_code": code}, format="json"
    )
    assert_matches(invited, "post", "/api/v1/voicestamps/{stamp_id}/share/email")

    assert_matches(api.get(f"{base}/shares"), "get", "/api/v1/voicestamps/{stamp_id}/shares")
    assert_matches(api.get(f"{base}/shares/{code}"), "get", "/api/v1/voicestamps/{stamp_id}/shares/{code}")
    assert_matches(
        anon.get(f"/api/v1/voicestamp/public/{code}?track_view=1"), "get", "/api/v1/voicestamp/public/{code}"
    )
    assert_matches(anon.get(f"/api/v1/voicestamp/public/{code}/data"), "get", "/api/v1/voicestamp/public/{code}/data")
    replied = anon.post(f"/api/v1/security/vst/reply/{reply_token}", {"message": "Lovely"}, format="json")
    assert_matches(replied, "post", "/api/v1/security/vst/reply/{token}")
    assert_matches(api.get(f"{base}/replies"), "get", "/api/v1/voicestamps/{stamp_id}/replies")
    assert_matches(api.delete(f"{base}/shares/{code}"), "delete", "/api/v1/voicestamps/{stamp_id}/shares/{code}")
