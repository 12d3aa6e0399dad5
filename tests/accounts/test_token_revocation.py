"""A password change, a password reset by staff and a deactivation each end every JWT and refresh
token issued before them; tokens issued afterwards work."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase 42"


def _login(email, password=PASSWORD) -> dict:
    response = APIClient().post("/api/v1/auth/token", {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _me(access):
    return APIClient().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}")


def _refresh(refresh):
    return APIClient().post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")


def _assert_ended(tokens):
    me = _me(tokens["access"])
    assert me.status_code == 401 and me.json()["error"] == "invalid_token"
    assert _refresh(tokens["refresh"]).status_code == 401


def _admin(make_user) -> Client:
    admin = make_user(email="root@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    client.admin = admin
    return client


def _change_form(user, **changes) -> dict:
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": "00:00:00",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_password_change_ends_earlier_tokens(make_user):
    staff = make_user(email="editor@example.com", password=PASSWORD, is_staff=True)
    before = _login(staff.email)
    unused = _login(staff.email)
    browser = Client()
    assert browser.post("/admin/login/", {"username": staff.email, "password": PASSWORD}).status_code == 302
    changed = browser.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302 and changed["Location"].endswith("/password_change/done/")
    _assert_ended(before)
    _assert_ended(unused)
    after = _login(staff.email, NEW_PASSWORD)
    assert _me(after["access"]).status_code == 200
    assert _refresh(after["refresh"]).status_code == 200


def test_a_password_reset_by_staff_ends_the_users_tokens(make_user, user):
    admin = _admin(make_user)
    before = _login(user.email)
    reset = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert reset.status_code == 302, reset.content.decode()[:2000]
    _assert_ended(before)
    assert _me(_login(user.email, NEW_PASSWORD)["access"]).status_code == 200
    # The admin's own tokens are untouched by someone else's reset.
    assert _me(_login(admin.admin.email)["access"]).status_code == 200


def test_deactivation_ends_tokens_for_good(make_user, user):
    admin = _admin(make_user)
    before = _login(user.email)
    assert _me(before["access"]).status_code == 200
    deactivated = admin.post(f"/admin/accounts/user/{user.pk}/change/", _change_form(user, is_active=None))
    assert deactivated.status_code == 302, deactivated.content.decode()[:2000]
    _assert_ended(before)
    reactivated = admin.post(f"/admin/accounts/user/{user.pk}/change/", _change_form(user))
    assert reactivated.status_code == 302
    # Back in service, the old tokens stay dead; a new login works.
    _assert_ended(before)
    assert _me(_login(user.email)["access"]).status_code == 200


def test_other_edits_leave_tokens_alone(make_user, user):
    admin = _admin(make_user)
    before = _login(user.email)
    edited = admin.post(f"/admin/accounts/user/{user.pk}/change/", _change_form(user, display_name="Renamed"))
    assert edited.status_code == 302
    assert _me(before["access"]).json()["user"]["display_name"] == "Renamed"
    assert _refresh(before["refresh"]).status_code == 200


def test_a_token_without_the_stamp_is_refused(user):
    import time

    import jwt
    from django.conf import settings

    now = int(time.time())
    forged = jwt.encode(
        {"iss": settings.JWT_ISSUER, "sub": str(user.pk), "typ": "access", "iat": now, "exp": now + 60, "jti": "x"},
        settings.JWT_SIGNING_KEY,
        algorithm="HS256",
    )
    assert _me(forged).status_code == 401
