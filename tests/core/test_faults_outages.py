"""Dependency outages answer 503 with Retry-After in each API's own error format, promptly:
a Redis of the test's own that is stopped (throttle counters, cache) or a black hole that accepts
and never answers; /readyz answers within two seconds whatever hangs."""

import time

import pytest
from rest_framework.test import APIClient

from voiceplatform.celery import app

pytestmark = [pytest.mark.django_db, pytest.mark.fault]


@pytest.fixture
def cache_on(settings):
    """Point the cache (throttles, view windows) at a Redis URL of the test's choosing."""

    def point(url):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "fault",
                "OPTIONS": settings.REDIS_SOCKET_OPTIONS,
            }
        }

    return point


@pytest.fixture
def broker_on(settings):
    original = app.conf.broker_url, app.conf.broker_transport_options

    def point(url):
        app.conf.broker_url = url
        app.conf.broker_transport_options = settings.REDIS_SOCKET_OPTIONS

    yield point
    app.conf.broker_url, app.conf.broker_transport_options = original


def test_readyz_answers_within_two_seconds_when_redis_hangs(client, black_hole, cache_on, broker_on, record_property):
    cache_on(black_hole.redis_url)
    broker_on(black_hole.redis_url)
    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started
    record_property("seconds_to_answer", round(elapsed, 2))
    assert elapsed < 2, elapsed
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["storage"] == "ok"
    assert checks["cache"] in ("timeout", "unavailable") and checks["broker"] in ("timeout", "unavailable")


def _stopped(own_redis):
    own_redis.stop()
    return own_redis.url


def test_login_answers_503_in_its_dialect_when_redis_is_down(own_redis, cache_on, user):
    cache_on(_stopped(own_redis))
    response = APIClient().post(
        "/api/v1/auth/token", {"email": user.email, "password": "correct horse battery staple"}, format="json"
    )
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response.json()["error"] == "service_unavailable"


def test_the_gallery_answers_503_in_its_dialect_when_redis_is_down(own_redis, cache_on, client_for, user):
    cache_on(_stopped(own_redis))
    response = client_for(user).get("/api/v1/voice-gallery")
    assert response.status_code == 503 and response["Retry-After"].isdigit()
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == "SERVICE_UNAVAILABLE"


def test_the_partner_api_answers_503_in_its_dialect_when_redis_hangs(black_hole, cache_on, settings, record_property):
    from partners.account import services

    partner, key = services.create_partner(name="Acme Audio", live=True)
    cache_on(black_hole.redis_url)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    started = time.monotonic()
    response = client.get("/v4/partners/programs")
    record_property("seconds_to_answer", round(time.monotonic() - started, 2))
    assert time.monotonic() - started < 3 * (settings.DEPENDENCY_READ_TIMEOUT + settings.DEPENDENCY_CONNECT_TIMEOUT)
    assert response.status_code == 503 and response["Retry-After"].isdigit()
    assert response.json()["error"]["code"] == 503


@pytest.mark.parametrize("api", ["stamps", "conversions"])
def test_stamps_and_conversions_never_hang_or_fail_when_redis_hangs(
    black_hole, cache_on, client_for, user, settings, api, record_property
):
    """A hung Redis never hangs them nor gives a 500: they answer (today their reads need no cache
    or throttle counter) or say 503 with Retry-After in their own format, as login and the gallery do."""
    cache_on(black_hole.redis_url)
    path = {"stamps": "/api/v1/voicestamps", "conversions": "/api/projects"}[api]
    started = time.monotonic()
    response = client_for(user).get(path)
    record_property("seconds_to_answer", round(time.monotonic() - started, 2))
    assert time.monotonic() - started < 3 * (settings.DEPENDENCY_READ_TIMEOUT + settings.DEPENDENCY_CONNECT_TIMEOUT)
    assert response.status_code in (200, 503), response.content[:300]
    if response.status_code == 503:
        assert response["Retry-After"].isdigit()
        body = response.json()
        assert body["error"] == "service_unavailable" if api == "stamps" else "detail" in body
