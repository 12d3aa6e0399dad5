"""An expired or invalid credential on a route anonymous callers may read is 401, in that API's own
error shape, never silently treated as anonymous (docs/decisions/gallery.md, "Expired credentials")."""

import time

import jwt
import pytest
from django.conf import settings

from gallery.models import Voice
from stamps.sharing import services as sharing_services
from tests.stamps.sharing_helpers import stamp_with_media

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_storage")]


def _expired_token(user) -> str:
    from accounts.tokens import token_stamp

    now = int(time.time())
    return jwt.encode(
        {
            "iss": settings.JWT_ISSUER,
            "sub": str(user.pk),
            "typ": "access",
            "iat": now - 100,
            "exp": now - 10,
            "jti": "x",
            "stp": token_stamp(user),
        },
        settings.JWT_SIGNING_KEY,
        algorithm="HS256",
    )


def _gallery_error(body) -> bool:
    return body["success"] is False and body["error"]["code"] == "UNAUTHORIZED"


def _stamps_error(body) -> bool:
    return {"error", "message"} <= set(body)


@pytest.fixture
def public_routes(user, media_dir):
    voice = Voice.objects.create(name="Rachel", voice_characteristic="Female", order_number=1, is_published=True)
    stamp = stamp_with_media(user, media_dir, with_media=False)
    share = sharing_services.create_share(user, stamp.pk, privacy="public")
    return {
        "/api/v1/voice-gallery": _gallery_error,
        f"/api/v1/voice-gallery/{voice.pk}": _gallery_error,
        f"/api/v1/voicestamp/public/{share.share_code}": _stamps_error,
    }


@pytest.mark.parametrize("credential", ["expired-jwt", "garbage-jwt", "unknown-api-key"])
def test_a_bad_credential_on_a_public_read_is_401_not_anonymous(anon, user, public_routes, credential):
    headers = {
        "expired-jwt": {"Authorization": f"Bearer {_expired_token(user)}"},
        "garbage-jwt": {"Authorization": "Bearer not.a.token"},
        "unknown-api-key": {"api-key": "vp_unknown_key_0123456789"},
    }[credential]
    for path, in_dialect in public_routes.items():
        assert anon.get(path).status_code == 200, path
        response = anon.get(path, headers=headers)
        assert response.status_code == 401, (path, response.content)
        assert in_dialect(response.json()), (path, response.json())
        assert response.headers.get("WWW-Authenticate"), path
