"""The Respeecher account endpoints: login/logout with CSRF, /api/auth, API keys, credits."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _login(user, password="correct horse battery staple"):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/api/login", {"email": user.email, "password": password}, format="json")
    return client, response


def test_login_returns_user_and_csrf_token_and_sets_session(user):
    client, response = _login(user)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "csrf_token"}
    assert body["user"]["id"] == str(user.id)
    assert body["user"]["email"] == user.email
    assert body["user"]["roles"] == ["user"] and body["user"]["groups"] == []
    assert "session_id" in response.cookies
    # Authenticated by the session cookie alone.
    assert client.post("/api/auth", HTTP_X_CSRF_TOKEN=body["csrf_token"]).status_code == 200
    assert client.get("/api/credits").json() == {"credits": 0.0, "initial_credits": 0.0}


def test_unsafe_methods_need_the_csrf_header(user):
    client, response = _login(user)
    assert client.post("/api/api-key", {}, format="json").status_code == 403
    ok = client.post("/api/api-key", {}, format="json", HTTP_X_CSRF_TOKEN=response.json()["csrf_token"])
    assert ok.status_code == 200


def test_login_failure_is_gateway_error(user):
    _, response = _login(user, password="wrong")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid email or password"}
    missing = APIClient().post("/api/login", {"email": "nope"}, format="json")
    assert missing.status_code == 422
    detail = missing.json()["detail"]
    assert {tuple(item["loc"]) for item in detail} == {("body", "email"), ("body", "password")}
    assert all(set(item) == {"loc", "msg", "type"} for item in detail)


def test_logout_ends_the_session(user):
    client, response = _login(user)
    token = response.json()["csrf_token"]
    assert client.post("/api/logout", HTTP_X_CSRF_TOKEN=token).json() == {"detail": "OK"}
    assert client.get("/api/credits").status_code == 401


def test_auth_profile_shows_groups_and_roles(user, staff_user, client_for):
    from accounts.services import create_team

    team = create_team(name="Studio", owner=user)
    body = client_for(user).post("/api/auth").json()
    assert body["groups"] == [{"id": str(team.id), "name": "Studio"}]
    assert body["username"] == "Alice Example" and body["first_name"] == "Alice" and body["last_name"] == "Example"
    assert client_for(staff_user).post("/api/auth").json()["roles"] == ["admin", "user"]


def test_api_key_lifecycle(user, client_for):
    api = client_for(user)
    expires = (timezone.now() + timedelta(days=1)).isoformat()
    key = api.post("/api/api-key", {"expires_at": expires}, format="json").json()["api_key"]
    from accounts.models import ApiKey

    row = ApiKey.objects.get(user=user)
    assert key not in (row.key_hash, row.prefix) and row.key_hash != key
    keyed = APIClient()
    assert keyed.get("/api/credits", HTTP_API_KEY=key).status_code == 200

    # A new key replaces the old one.
    new_key = api.post("/api/api-key", {}, format="json").json()["api_key"]
    assert keyed.get("/api/credits", HTTP_API_KEY=key).status_code == 401
    assert keyed.get("/api/credits", HTTP_API_KEY=new_key).status_code == 200

    assert api.delete("/api/api-key").json() == {"detail": "OK"}
    response = keyed.get("/api/credits", HTTP_API_KEY=new_key)
    assert response.status_code == 401 and response.json() == {"detail": "Invalid or expired API key"}


def test_expired_and_tampered_api_keys(user, client_for):
    from accounts.models import ApiKey

    api = client_for(user)
    key = api.post("/api/api-key", {}, format="json").json()["api_key"]
    assert APIClient().get("/api/credits", HTTP_API_KEY=key[:-1] + ("A" if key[-1] != "A" else "B")).status_code == 401
    assert APIClient().get("/api/credits", HTTP_API_KEY="garbage").status_code == 401
    ApiKey.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert APIClient().get("/api/credits", HTTP_API_KEY=key).status_code == 401
    past = api.post("/api/api-key", {"expires_at": "2001-01-01T00:00:00Z"}, format="json")
    assert past.status_code == 422 and past.json()["detail"][0]["loc"] == ["body", "expires_at"]
    bad = api.post("/api/api-key", {"expires_at": "soon"}, format="json")
    assert bad.status_code == 422


def test_credits_reflect_the_ledger(user, client_for):
    from accounts import services

    services.grant_credits(user, 50, initial=True)
    services.grant_credits(user, 25)
    services.charge_credits(user, 10, reference="order:1")
    assert client_for(user).get("/api/credits").json() == {"credits": 65.0, "initial_credits": 50.0}


def test_unauthenticated_gateway_calls_are_401_detail(anon):
    for method, path in [("get", "/api/credits"), ("post", "/api/auth"), ("post", "/api/api-key")]:
        response = getattr(anon, method)(path)
        assert response.status_code == 401
        assert response.json() == {"detail": "Not authenticated"}
