"""Client addresses: X-Forwarded-For counts only when a configured proxy sent it
(settings.TRUSTED_PROXIES), so rotating the header never escapes a per-client throttle."""

import os
import subprocess
import sys

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from core.throttles import ClientAddressMixin
from tests.conftest import ROOT, clear_cache

pytestmark = pytest.mark.django_db

# One per-client throttle of each kind: the auth scope, the Gallery's anonymous reads, stamp replies.
ATTACKS = {
    "token": ("post", "/api/v1/auth/token", {"email": "nobody@example.com", "password": "wrong"}),
    "register": ("post", "/api/v1/auth/register", {"email": "not-an-email", "password": "x"}),
    "gateway login": ("post", "/api/login", {"email": "nobody@example.com", "password": "wrong"}),
    "gallery anonymous read": ("get", "/api/v1/voice-gallery", None),
    "stamp reply": ("post", "/api/v1/security/vst/reply/forged-token", {"message": "hi"}),
}


@pytest.fixture
def three_per_minute(settings):
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "auth": "3/minute",
        "gallery_read": "3/minute",
        "stamps_share_reply": "3/minute",
    }
    clear_cache()
    yield
    clear_cache()


def _send(client, attack, **headers):
    method, url, body = attack
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, body, format="json", **headers)


@pytest.mark.parametrize("name", ATTACKS)
def test_rotating_x_forwarded_for_does_not_escape_the_throttle(anon, three_per_minute, name):
    statuses = [
        _send(anon, ATTACKS[name], REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(5)
    ]
    assert 429 not in statuses[:3], statuses
    assert statuses[3:] == [429, 429], statuses


@pytest.mark.parametrize("name", ATTACKS)
def test_behind_a_trusted_proxy_the_forwarded_client_counts(anon, three_per_minute, settings, name):
    settings.TRUSTED_PROXIES = ["192.0.2.0/24"]
    attack = ATTACKS[name]
    via_proxy = {"REMOTE_ADDR": "192.0.2.10"}
    first = [_send(anon, attack, HTTP_X_FORWARDED_FOR="203.0.113.5", **via_proxy).status_code for _ in range(3)]
    assert 429 not in first
    assert _send(anon, attack, HTTP_X_FORWARDED_FOR="203.0.113.5", **via_proxy).status_code == 429
    # The client can put anything in front; the proxy's own entry (the last) is what counts.
    forged = _send(anon, attack, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5", **via_proxy)
    assert forged.status_code == 429
    # Another client behind the same proxy has its own budget.
    assert _send(anon, attack, HTTP_X_FORWARDED_FOR="203.0.113.6", **via_proxy).status_code != 429
    # A chain of trusted proxies is walked through to the client.
    chained = _send(anon, attack, HTTP_X_FORWARDED_FOR="203.0.113.5, 192.0.2.20", **via_proxy)
    assert chained.status_code == 429


def test_a_header_from_an_untrusted_peer_is_ignored_even_with_proxies_configured(anon, three_per_minute, settings):
    settings.TRUSTED_PROXIES = ["192.0.2.0/24"]
    attack = ATTACKS["token"]
    statuses = [
        _send(anon, attack, REMOTE_ADDR="198.51.100.8", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(4)
    ]
    assert statuses[3] == 429


def _views(resolver=None):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry)
        elif isinstance(entry, URLPattern):
            view_class = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
            if view_class is not None:
                yield entry, view_class


def test_every_throttle_on_every_route_counts_clients_by_the_one_function():
    checked = 0
    for entry, view_class in _views():
        for throttle in getattr(view_class, "throttle_classes", []):
            assert issubclass(throttle, ClientAddressMixin), f"{entry.pattern}: {throttle.__name__}"
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("trusted, expected", [("", "[]"), ("10.0.0.0/8,127.0.0.1", "['10.0.0.0/8', '127.0.0.1']")])
def test_gunicorn_trusts_the_same_proxies(trusted, expected):
    env = {**os.environ, "TRUSTED_PROXIES": trusted}
    env.pop("FORWARDED_ALLOW_IPS", None)
    printed = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--print-config",
            "voiceplatform.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    line = next(line for line in printed.splitlines() if line.startswith("forwarded_allow_ips"))
    assert line.split("=", 1)[1].strip() == expected


def test_a_malformed_proxy_list_stops_the_start():
    env = {**os.environ, "TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network" in result.stderr
