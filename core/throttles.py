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

import hashlib
import ipaddress
import os
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse
from rest_framework import throttling

from .cache import FileBasedCache


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


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's rate syntax: "20/minute" -> (20, 60)."""
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


# --- counters: a sliding window over two fixed windows ------------------------------------
# A request is counted in the fixed window it falls in; the rate seen is this window's count plus
# the previous window's, weighted by how much of it still lies inside the sliding window. One
# Redis round trip (INCR) or one appended byte, never a read-modify-write of a list, so it is exact
# across gunicorn workers and costs microseconds. A refused request is handed back, so only the
# requests that were served spend the budget (as DRF's throttles did).


def _redis_hit(backend: RedisCache, key: str, window: int, duration: int) -> tuple[int, int, callable]:
    client = backend._cache.get_client(key, write=True)
    current = backend.make_and_validate_key(f"{key}:{window}")
    previous = backend.make_and_validate_key(f"{key}:{window - 1}")
    pipe = client.pipeline(transaction=False)
    pipe.incr(current)
    pipe.expire(current, 2 * duration)
    pipe.get(previous)
    count, _, before = pipe.execute()
    return count, int(before or 0), lambda: client.decr(current)


def _file_hit(backend: FileBasedCache, key: str, window: int, duration: int) -> tuple[int, int, callable]:
    directory = backend.counters_dir
    name = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
    path = directory / f"{name}.{window}"
    try:
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except FileNotFoundError:
        directory.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # An O_APPEND write is atomic between processes: the file's length is the count.
        os.write(handle, b"+")
        count = os.fstat(handle).st_size
    finally:
        os.close(handle)
    if count == 1:
        # The first request of a window removes this key's window before last.
        for stale in (directory / f"{name}.{window - 2}", directory / f"{name}.{window - 2}.refunds"):
            stale.unlink(missing_ok=True)
    refunded = _file_size(directory / f"{name}.{window}.refunds")
    before = _file_size(directory / f"{name}.{window - 1}") - _file_size(directory / f"{name}.{window - 1}.refunds")

    def refund():
        handle = os.open(directory / f"{name}.{window}.refunds", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(handle, b"-")
        finally:
            os.close(handle)

    return count - refunded, before, refund


def _file_size(path) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _cache_hit(backend, key: str, window: int, duration: int) -> tuple[int, int, callable]:
    """Any other cache backend (a test's local-memory cache): add, then increment."""
    current, previous = f"{key}:{window}", f"{key}:{window - 1}"
    backend.add(current, 0, 2 * duration)
    return backend.incr(current), backend.get(previous, 0), lambda: backend.decr(current)


def _hit(key: str, window: int, duration: int):
    # The backend itself: ``django.core.cache.cache`` is a proxy that no isinstance() sees through.
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        return _redis_hit(backend, key, window, duration)
    if isinstance(backend, FileBasedCache):
        return _file_hit(backend, key, window, duration)
    return _cache_hit(backend, key, window, duration)


def count_request(key: str, rate: str) -> float | None:
    """Count one request against ``rate`` under ``key``. None if it is allowed; otherwise the seconds
    until the sliding window has room again (the request is then not counted)."""
    limit, duration = parse_rate(rate)
    now = time.time()
    window, elapsed = divmod(now, duration)
    window = int(window)
    count, before, refund = _hit(key, window, duration)
    carried = before * (1 - elapsed / duration)
    if count + carried <= limit:
        return None
    refund()
    if count - 1 >= limit or before == 0:
        return duration - elapsed
    # Room comes back as the previous window slides out: one request's worth of it.
    return min(duration - elapsed, (count + carried - limit) * duration / before)


def reset(scope: str, ident) -> None:
    """Forget the requests counted for ``ident`` in ``scope`` (tests and operators)."""
    window = int(time.time() // parse_rate(settings.THROTTLE_RATES[scope])[1])
    key = _key(scope, ident)
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, FileBasedCache):
        name = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
        for suffix in ("", ".refunds"):
            for index in (window, window - 1):
                (backend.counters_dir / f"{name}.{index}{suffix}").unlink(missing_ok=True)
    else:
        backend.delete_many([f"{key}:{window}", f"{key}:{window - 1}"])


def sweep_counters() -> int:
    """Delete the embedded default's counter files that no window can read any more: a caller's
    first request of a window removes its window before last, but a caller who never comes back
    would leave its last two windows' files for good. Returns how many were deleted."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, FileBasedCache):
        return 0  # Redis expires its counters itself
    longest = max(parse_rate(rate)[1] for rate in settings.THROTTLE_RATES.values())
    # A window's count is read during that window and the next one: older than two is unread.
    cutoff = time.time() - 2 * longest
    deleted = 0
    try:
        entries = list(os.scandir(backend.counters_dir))
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            if entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                deleted += 1
        except FileNotFoundError:
            continue  # a caller's own first request of a window removed it meanwhile
    return deleted


def _key(scope: str, ident) -> str:
    return f"throttle_{scope}_{ident}"


class RateThrottle(ClientAddressMixin, throttling.BaseThrottle):
    """The one request throttle. Its rate is ``settings.THROTTLE_RATES[scope]``, read when the
    request arrives, so a deployment (or a test) changes it without a restart.

    The scope is ``scope``, else the view's ``throttle_scope``; with ``scopes_attribute`` set, the
    view maps methods to scopes instead (``throttle_scopes = {"GET": "gallery_read"}``) and a
    method with no scope is not throttled. Counted per user, per client address when anonymous;
    a subclass names another caller by overriding ``get_caller``.
    """

    scope = ""
    scopes_attribute = ""

    def get_scope(self, request, view) -> str | None:
        if self.scopes_attribute:
            return getattr(view, self.scopes_attribute, {}).get(request.method)
        return self.scope or getattr(view, "throttle_scope", None)

    def get_caller(self, request, view):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user.pk
        return self.get_ident(request)

    def allow_request(self, request, view):
        self._wait = None
        scope = self.get_scope(request, view)
        if not scope:
            return True
        caller = self.get_caller(request, view)
        if caller is None:
            return True
        self._wait = count_request(_key(scope, caller), settings.THROTTLE_RATES[scope])
        return self._wait is None

    def wait(self):
        return self._wait


class MethodScopedRateThrottle(RateThrottle):
    """Scopes by method from the view's ``throttle_scopes`` (the Voice Gallery's limits)."""

    scopes_attribute = "throttle_scopes"


class CostRateThrottle(RateThrottle):
    """Requests that cost the machine far more than they cost the caller: a translation, an upload
    probed by ffmpeg, a job, a zip export.

    Every DialectView runs it (``get_throttles``), whatever its own throttles: a view names the
    cost of each method (``cost_scopes = {"POST": "translate"}``).
    """

    scopes_attribute = "cost_scopes"


class AttemptBudget:
    """So many failed attempts per key in a sliding window (DRF's rate syntax, the shared cache).

    Unlike a request throttle, only failures are spent: whoever knows the secret is not
    slowed while the budget lasts. Once it is spent every attempt is refused before the
    secret is compared, so a right guess then looks exactly like a wrong one.
    """

    def __init__(self, scope: str, rate: str):
        self.scope = scope
        self.limit, self.duration = parse_rate(rate)

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
