"""X-Request-ID: on every response, in the request's log lines and in 5xx bodies (core/request_ids.py)."""

import io
import logging
import re

import pytest
from django.test import Client

from core.request_ids import RequestIdLogFilter

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/api/v1/auth/me", "/api/projects", "/api/v1/voice-gallery", "/v4/partners/programs", "/no/such/page"],
)
def test_every_response_carries_a_request_id(path):
    response = Client().get(path)
    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_a_valid_caller_id_is_kept():
    for candidate in ("abc", "A.b_c-9", "x" * 128):
        assert Client().get("/healthz", HTTP_X_REQUEST_ID=candidate)["X-Request-ID"] == candidate


@pytest.mark.parametrize("candidate", ["", "x" * 129, "has space", "semi;colon", "new\\nline", "ünïcode", "a/b"])
def test_an_invalid_caller_id_is_replaced(candidate):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=candidate)
    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_two_requests_get_two_ids():
    assert Client().get("/healthz")["X-Request-ID"] != Client().get("/healthz")["X-Request-ID"]


@pytest.fixture
def console_lines():
    """What the configured console handler (settings.LOGGING) writes, captured."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RequestIdLogFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: stream.getvalue().splitlines()
    handler.setStream(previous)


@pytest.mark.urls("tests.core.dialect_urls")
def test_log_lines_of_a_request_carry_its_id(console_lines):
    response = Client(raise_request_exception=False).get("/api/v1/probe/crash", HTTP_X_REQUEST_ID="trace-42")
    assert response.status_code == 500
    assert response.json()["request_id"] == "trace-42"
    crash_lines = [line for line in console_lines() if "unhandled error" in line]
    assert crash_lines and all("[trace-42]" in line for line in crash_lines)
    logging.getLogger("tests").warning("outside any request")
    assert "[-] outside any request" in console_lines()[-1]
