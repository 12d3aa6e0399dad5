"""A database that accepts connections and never answers (a hung PostgreSQL): gunicorn answers every
API with 503 and Retry-After in that API's own format, within the connect timeout, never a hang or a
500; /readyz says so within two seconds."""

import time

import pytest
import requests

from accounts import tokens

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fault]


@pytest.fixture
def web_on_a_hung_database(start_gunicorn, black_hole):
    return start_gunicorn({"DATABASE_URL": f"postgres://voiceplatform@127.0.0.1:{black_hole.port}/voiceplatform"})


def _timed(method, url, **kwargs):
    started = time.monotonic()
    response = requests.request(method, url, timeout=60, **kwargs)
    return response, time.monotonic() - started


def test_every_api_answers_503_in_its_own_format_when_the_database_hangs(
    web_on_a_hung_database, user, settings, record_property
):
    bearer = {"Authorization": f"Bearer {tokens.issue_tokens(user).access}"}
    calls = {
        "stamps login": ("POST", "/api/v1/auth/token", {"json": {"email": user.email, "password": "x"}}),
        "stamps": ("GET", "/api/v1/voicestamps", {"headers": bearer}),
        "conversions": ("GET", "/api/projects", {"headers": bearer}),
        "gallery": ("GET", "/api/v1/voice-gallery", {"headers": bearer}),
        "partners": ("GET", "/v4/partners/programs", {"headers": {"X-API-KEY": "vpp_not_checked_the_db_is_down"}}),
    }
    bound = 3 * settings.DEPENDENCY_CONNECT_TIMEOUT + 2
    bodies = {}
    for name, (method, path, kwargs) in calls.items():
        response, elapsed = _timed(method, web_on_a_hung_database + path, **kwargs)
        assert response.status_code == 503, (name, response.status_code, response.text[:300])
        assert response.headers["Retry-After"].isdigit(), name
        assert elapsed < bound, (name, elapsed)
        bodies[name] = response.json()
        record_property(f"seconds_to_answer {name}", round(elapsed, 2))
    assert bodies["stamps login"]["error"] == bodies["stamps"]["error"] == "service_unavailable"
    assert set(bodies["conversions"]) >= {"detail"}
    assert bodies["gallery"]["success"] is False and bodies["gallery"]["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert bodies["partners"]["error"]["code"] == 503


def test_readyz_answers_within_two_seconds_when_the_database_hangs(web_on_a_hung_database, record_property):
    response, elapsed = _timed("GET", web_on_a_hung_database + "/readyz")
    record_property("seconds_to_answer", round(elapsed, 2))
    assert elapsed < 2.5, elapsed  # 2 s in the server, plus the HTTP round trip on a loaded machine
    assert response.status_code == 503 and response.json()["checks"]["database"] in ("timeout", "unavailable")
