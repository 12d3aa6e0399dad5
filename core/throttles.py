"""Who a request comes from, and the throttle bases that count by it.

The client address is the socket peer (``REMOTE_ADDR``) unless that peer is one of
``settings.TRUSTED_PROXIES``. Only then is ``X-Forwarded-For`` read, right to left,
skipping the trusted proxies: the first address that is not one of them is the
client. A client can put anything at the front of the header; it cannot change
what a trusted proxy appends, so rotating the header never makes a new client.

Every throttle that counts per client derives from the bases here, and django-axes
reads the same function (``AXES_CLIENT_IP_CALLABLE``), so there is one answer.
"""

from __future__ import annotations

import ipaddress
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from rest_framework import throttling


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str:
    """The address of the client that sent ``request`` (a Django or DRF request)."""
    meta = request.META
    peer = meta.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(_address(peer), networks):
        return peer
    forwarded = [part.strip() for part in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if part.strip()]
    for hop in reversed(forwarded):
        address = _address(hop)
        if address is None:
            # Not an address where a trusted proxy should have written one: trust no further.
            return peer
        if not _is_trusted(address, networks):
            return str(address)
    return peer


class ClientAddressMixin:
    """DRF's ``get_ident`` trusts X-Forwarded-For from anyone; ours asks ``client_address``."""

    def get_ident(self, request):
        return client_address(request)


class SimpleRateThrottle(ClientAddressMixin, throttling.SimpleRateThrottle):
    pass


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    pass


class MethodScopedRateThrottle(ScopedRateThrottle):
    """A view maps its methods to scopes (``throttle_scopes = {"GET": "gallery_read"}``, the
    attribute named by ``scopes_attribute``); a method with no scope is not throttled here.

    The rate of a scope is read from ``settings.<rates_setting>`` when the request arrives, so a
    deployment (or a test) changes it without touching DRF's class-level copy. Counted per user,
    per client address when anonymous.
    """

    scopes_attribute = "throttle_scopes"
    rates_setting = ""

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scopes_attribute, {}).get(request.method)
        if not self.scope:
            return True
        self.rate = getattr(settings, self.rates_setting)[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return throttling.SimpleRateThrottle.allow_request(self, request, view)


class CostRateThrottle(MethodScopedRateThrottle):
    """Requests that cost the machine far more than they cost the caller: a translation, an upload
    probed by ffmpeg, a job, a zip export.

    Every DialectView runs it (``get_throttles``), whatever its own throttles: a view names the
    cost of each method (``cost_scopes = {"POST": "translate"}``), rates are COST_THROTTLE_RATES.
    """

    scopes_attribute = "cost_scopes"
    rates_setting = "COST_THROTTLE_RATES"
    cache_format = "throttle_cost_%(scope)s_%(ident)s"


class AttemptBudget:
    """So many failed attempts per key in a sliding window (DRF's rate syntax, the shared cache).

    Unlike a request throttle, only failures are spent: whoever knows the secret is not
    slowed while the budget lasts. Once it is spent every attempt is refused before the
    secret is compared, so a right guess then looks exactly like a wrong one.
    """

    _SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def __init__(self, scope: str, rate: str):
        count, period = rate.split("/")
        self.scope = scope
        self.limit = int(count)
        self.duration = self._SECONDS[period[0]]

    def _key(self, ident: str) -> str:
        return f"attempts_{self.scope}_{ident}"

    def _recent(self, ident: str) -> tuple[float, list[float]]:
        now = time.time()
        return now, [moment for moment in cache.get(self._key(ident), []) if moment > now - self.duration]

    def retry_after(self, ident: str) -> int | None:
        """Seconds until the next attempt may be made, or None while attempts remain."""
        now, recent = self._recent(ident)
        if len(recent) < self.limit:
            return None
        return max(int(min(recent) + self.duration - now) + 1, 1)

    def spend(self, ident: str) -> None:
        now, recent = self._recent(ident)
        cache.set(self._key(ident), [*recent, now], self.duration)


def outside_the_admin(request, credentials=None) -> bool:
    """django-axes' whitelist (AXES_WHITELIST_CALLABLE): the lockout and its records are the admin
    login's only. The API logins are throttled per client by DRF and answer in their own dialect."""
    return not request.path.startswith(reverse("admin:index"))
