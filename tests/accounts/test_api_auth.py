"""/api/v1/auth: register, token, refresh, me — in the VoiceStamps dialect."""

import time

import jwt
import pytest
from django.conf import settings

from tests.conftest import clear_cache

pytestmark = pytest.mark.django_db


def test_register_returns_user_and_tokens(anon):
    response = anon.post(
        "/api/v1/auth/register",
        {"email": "New@Example.com", "password": "a long enough passphrase", "display_name": "New"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True
    assert body["user"]["email"] == "new@example.com"
    assert body["token_type"] == "Bearer" and body["access"] and body["refresh"]
    me = anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200
    assert me.json() == {"success": True, "user": body["user"]}


def test_register_validation_is_422_with_per_field_errors(anon, user):
    response = anon.post("/api/v1/auth/register", {"email": "not-an-email", "password": ""}, format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    assert body["message"] == "The given data was invalid"
    assert set(body["errors"]) == {"email", "password"}

    weak = anon.post("/api/v1/auth/register", {"email": "x@example.com", "password": "123"}, format="json")
    assert weak.status_code == 422 and "password" in weak.json()["errors"]

    taken = anon.post(
        "/api/v1/auth/register", {"email": user.email, "password": "a long enough passphrase"}, format="json"
    )
    assert taken.status_code == 422 and "email" in taken.json()["errors"]


def test_token_and_refresh(anon, user):
    response = anon.post(
        "/api/v1/auth/token", {"email": "ALICE@example.com", "password": "correct horse battery staple"}, format="json"
    )
    assert response.status_code == 200
    pair = response.json()
    refreshed = anon.post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert refreshed.json()["access"] != pair["access"]
    # Refresh tokens are single-use.
    again = anon.post("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 401 and again.json()["error"] == "invalid_token"
    # An access token is not a refresh token.
    wrong_kind = anon.post("/api/v1/auth/token/refresh", {"refresh": pair["access"]}, format="json")
    assert wrong_kind.status_code == 401


def test_wrong_password_is_401(anon, user):
    response = anon.post("/api/v1/auth/token", {"email": user.email, "password": "nope"}, format="json")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token", "message": "Invalid email or password"}


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not.a.jwt",
        "Bearer ",
        "Bearer a b",
        "Basic Zm9vOmJhcg==",
    ],
)
def test_bad_credentials_never_500(anon, header):
    response = anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_tampered_and_expired_tokens_are_401(anon, user, client_for):
    from accounts.tokens import issue_tokens

    access = issue_tokens(user).access
    header, payload, signature = access.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {tampered}").status_code == 401

    now = int(time.time())
    expired = jwt.encode(
        {
            "iss": settings.JWT_ISSUER,
            "sub": str(user.pk),
            "typ": "access",
            "iat": now - 100,
            "exp": now - 10,
            "jti": "x",
        },
        settings.JWT_SIGNING_KEY,
        algorithm="HS256",
    )
    assert anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {expired}").status_code == 401

    other_key = jwt.encode(
        {"iss": settings.JWT_ISSUER, "sub": str(user.pk), "typ": "access", "iat": now, "exp": now + 60, "jti": "x"},
        "another-secret-key-of-enough-length!",
        algorithm="HS256",
    )
    assert anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {other_key}").status_code == 401


def test_inactive_user_token_is_401(anon, user):
    from accounts.tokens import issue_tokens

    access = issue_tokens(user).access
    user.is_active = False
    user.save()
    assert anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401


def test_malformed_json_and_wrong_types(anon):
    response = anon.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    response = anon.post("/api/v1/auth/token", data='["a", "list"]', content_type="application/json")
    assert response.status_code == 422
    response = anon.post("/api/v1/auth/token", {"email": 5, "password": {"a": 1}}, format="json")
    assert response.status_code == 422


def test_huge_body_is_413_in_dialect(anon, settings):
    body = '{"email": "' + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    response = anon.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_auth_endpoints_are_throttled(anon, user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "3/minute"}
    clear_cache()
    statuses = [
        anon.post("/api/v1/auth/token", {"email": user.email, "password": "bad"}, format="json") for _ in range(4)
    ]
    assert [r.status_code for r in statuses] == [401, 401, 401, 429]
    assert statuses[3].json()["error"] == "rate_limited"
    assert int(statuses[3]["Retry-After"]) > 0
    clear_cache()
