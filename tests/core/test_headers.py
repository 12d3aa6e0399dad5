"""Response headers: no-store on whatever carries a token, key or password-protected content;
a Content-Security-Policy on pages; CORS only for allowed origins."""

import pytest
from rest_framework.test import APIClient

from stamps.models import StampFile
from tests.conftest import clear_cache
from tests.stamps.sharing_helpers import stamp_with_media

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _no_store(response):
    assert response["Cache-Control"] == "no-store", (response.status_code, response.get("Cache-Control"))


def test_responses_with_tokens_and_keys_are_no_store(user, anon, api):
    registered = anon.post("/api/v1/auth/register", {"email": "new@example.com", "password": PASSWORD}, format="json")
    assert registered.status_code == 201
    _no_store(registered)
    pair = anon.post("/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json")
    assert pair.status_code == 200 and pair.json()["access"]
    _no_store(pair)
    refreshed = anon.post("/api/v1/auth/token/refresh", {"refresh": pair.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200
    _no_store(refreshed)
    login = APIClient().post("/api/login", {"email": user.email, "password": PASSWORD}, format="json")
    assert login.status_code == 200 and login.json()["csrf_token"]
    _no_store(login)
    key = api.post("/api/api-key", {}, format="json")
    assert key.status_code == 200 and key.json()["api_key"]
    _no_store(key)
    _no_store(anon.post("/api/v1/auth/token", {"email": user.email, "password": "wrong"}, format="json"))


@pytest.fixture
def password_share(api, user, media_dir):
    stamp = stamp_with_media(user, media_dir)
    clear_cache()
    code = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share", {"privacy": "password", "password": "open sesame"}, format="json"
    ).json()["share_code"]
    return stamp, code


def test_password_protected_content_is_no_store_on_every_route(anon, api, password_share):
    stamp, code = password_share
    audio = StampFile.objects.get(stamp=stamp, role="audio").filename
    public = anon.get(f"/api/v1/voicestamp/public/{code}", HTTP_X_SHARE_PASSWORD="open sesame")
    assert public.status_code == 200
    _no_store(public)
    # The file routes choose "private, no-cache" for owners; a share viewer's copy is never stored.
    shared_file = anon.get(f"/api/v1/files/{audio}?share={code}", HTTP_X_SHARE_PASSWORD="open sesame")
    assert shared_file.status_code == 200
    _no_store(shared_file)
    vst_audio = anon.get(
        f"/api/v1/security/vst/{stamp.pk}/audio/{audio}?share={code}", HTTP_X_SHARE_PASSWORD="open sesame"
    )
    assert vst_audio.status_code == 200
    _no_store(vst_audio)
    signed = anon.get(public.json()["audio_url"].removeprefix("http://testserver"))
    assert signed.status_code == 200
    _no_store(signed)
    page = anon.get(f"/share/{code}")
    assert page.status_code == 200
    _no_store(page)
    # The owner's own file keeps the view's revalidation policy.
    own = api.get(f"/api/v1/files/{audio}")
    assert own.status_code == 200 and own["Cache-Control"] == "private, no-cache"


def policy_of(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_share_page_has_a_strict_content_security_policy(anon, password_share):
    _, code = password_share
    policy = policy_of(anon.get(f"/share/{code}"))
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"]


def test_docs_pages_get_their_own_policy_and_nothing_else_does(anon):
    for path in ("/api/docs/", "/api/redoc/"):
        policy = policy_of(anon.get(path))
        assert "'unsafe-inline'" in policy["script-src"], path
    assert "'unsafe-inline'" not in policy_of(anon.get("/admin/login/"))["script-src"]


def test_the_policy_built_once_follows_a_changed_setting(anon, settings):
    """core.headers.CSPMiddleware keeps the header it built; a new policy setting rebuilds it."""
    assert policy_of(anon.get("/healthz"))["frame-ancestors"] == ["'none'"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "frame-ancestors": ["'self'"]}}
    assert policy_of(anon.get("/healthz")) == {"default-src": ["'self'"], "frame-ancestors": ["'self'"]}
    settings.CONTENT_SECURITY_POLICY = None
    assert "Content-Security-Policy" not in anon.get("/healthz")


ORIGIN = "https://studio.example"


def test_cors_is_closed_by_default(anon):
    preflight = anon.options(
        "/api/v1/voice-gallery",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Origin" not in anon.get("/api/v1/voice-gallery", HTTP_ORIGIN=ORIGIN)


def test_cors_allows_the_listed_origins_only(anon, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    preflight = anon.options(
        "/api/v1/voice-gallery",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, x-share-password",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == ORIGIN
    assert "x-share-password" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight
    listed = anon.get("/api/v1/voice-gallery", HTTP_ORIGIN=ORIGIN)
    assert listed["Access-Control-Allow-Origin"] == ORIGIN and "Retry-After" in listed["Access-Control-Expose-Headers"]
    other = anon.get("/api/v1/voice-gallery", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    # Only the APIs under /api/ speak CORS; the Partner API is server to server.
    assert "Access-Control-Allow-Origin" not in anon.get("/v4/partners/programs", HTTP_ORIGIN=ORIGIN)


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_signed_download_urls_answer_no_store_on_both_storages(request, backend, anon):
    import requests

    from core.storage import new_key, object_storage

    request.getfixturevalue("local_storage" if backend == "local" else "s3_storage")
    key = object_storage.put_bytes(new_key("tests/signed", "bin"), b"secret bytes").key
    url = object_storage.signed_url(key, expires=60, filename="a.bin", content_type="application/octet-stream")
    if backend == "local":
        response = anon.get(url.removeprefix("http://testserver"))
        assert b"".join(response.streaming_content) == b"secret bytes"
        assert response["Cache-Control"] == "no-store"
    else:
        response = requests.get(url, timeout=10)
        assert response.status_code == 200 and response.content == b"secret bytes"
        assert response.headers["Cache-Control"] == "no-store"
