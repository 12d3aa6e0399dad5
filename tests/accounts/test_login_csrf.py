"""POST /api/login sets a session, so a cross-site page must not be able to log a victim in
(login CSRF): the endpoint takes JSON only, which a cross-site form cannot send."""

import json

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
EVIL = {"HTTP_ORIGIN": "https://evil.example", "HTTP_REFERER": "https://evil.example/login.html"}


@pytest.mark.parametrize("encode", ["form-urlencoded", "multipart", "text/plain"])
def test_a_cross_site_form_login_is_refused_and_sets_no_session(user, encode):
    browser = Client()
    fields = {"email": user.email, "password": PASSWORD}
    if encode == "form-urlencoded":
        response = browser.post(
            "/api/login",
            "&".join(f"{k}={v}" for k, v in fields.items()),
            content_type="application/x-www-form-urlencoded",
            **EVIL,
        )
    elif encode == "multipart":
        response = browser.post("/api/login", fields, **EVIL)
    else:
        # <form enctype="text/plain"> can smuggle a JSON-looking body; it is still not JSON.
        response = browser.post("/api/login", json.dumps(fields), content_type="text/plain", **EVIL)
    assert response.status_code == 415
    assert "detail" in response.json()
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert browser.get("/api/credits").status_code == 401


def test_a_json_login_still_works(user):
    browser = Client()
    response = browser.post("/api/login", {"email": user.email, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200 and response.json()["user"]["email"] == user.email
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert browser.get("/api/credits").status_code == 200
