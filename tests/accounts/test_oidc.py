"""Bearer tokens from an external OpenID Connect issuer (Microsoft Entra ID style)."""

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts.models import ExternalIdentity, User

pytestmark = pytest.mark.django_db


def test_a_valid_token_creates_and_then_matches_the_user(anon, oidc_issuer):
    token = oidc_issuer.token(subject="oid-1", name="Ada Lovelace", email="ada@example.com")
    response = anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    user = response.json()["user"]
    assert user["display_name"] == "Ada Lovelace" and user["email"] == "ada@example.com"
    assert user["is_staff"] is False
    again = anon.get(
        "/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {oidc_issuer.token(subject='oid-1', name='Ada L.')}"
    )
    assert again.json()["user"]["id"] == user["id"]
    assert again.json()["user"]["display_name"] == "Ada L."
    assert ExternalIdentity.objects.filter(subject="oid-1").count() == 1


def test_the_admin_role_claim_grants_staff_and_losing_it_revokes(anon, oidc_issuer):
    admin = oidc_issuer.token(subject="oid-2", roles=["VoiceGallery.Admin"])
    assert anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {admin}").json()["user"]["is_staff"] is True
    plain = oidc_issuer.token(subject="oid-2", roles=[])
    assert anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {plain}").json()["user"]["is_staff"] is False


def test_an_existing_local_email_is_not_taken_over(anon, oidc_issuer, user):
    token = oidc_issuer.token(subject="oid-3", email=user.email)
    body = anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["user"]["id"] != str(user.id)
    assert User.objects.get(pk=user.pk).external_identities.count() == 0


@pytest.mark.parametrize("variant", ["wrong_key", "expired", "wrong_audience", "wrong_issuer_claim"])
def test_bad_external_tokens_are_401(anon, oidc_issuer, variant):
    kwargs = {
        "wrong_key": {"key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},
        "expired": {"expires_in": -60},
        "wrong_audience": {"audience": "api://someone-else"},
        "wrong_issuer_claim": {"issuer": "https://evil.example/v2.0"},
    }[variant]
    token = oidc_issuer.token(**kwargs)
    response = anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert not ExternalIdentity.objects.exists()
