"""Paths of routes that are handed out once per row of a page."""

from django.core.exceptions import ImproperlyConfigured
from django.urls import get_script_prefix, get_urlconf, reverse


class RoutePath:
    """``reverse(route, kwargs={argument: value})``, the route resolved once per script prefix and
    URLconf: ``reverse()`` cost as much as the rest of rendering a row (a page of 20 recordings
    reversed 40 paths; docs/platform/performance.md).

    The route is reversed with ``stand_in``, which must be accepted by the argument's converter
    and appear in the path as it is; the value then takes its place. So only for values that
    ``reverse()`` also leaves as they are: UUIDs, integers, signed tokens (base64url and '.')."""

    def __init__(self, route: str, argument: str, stand_in):
        self.route = route
        self.argument = argument
        self.stand_in = stand_in
        self._parts: dict[tuple, tuple[str, str]] = {}

    def __call__(self, value) -> str:
        cache_key = (get_script_prefix(), get_urlconf())
        parts = self._parts.get(cache_key)
        if parts is None:
            parts = self._parts[cache_key] = self._split(reverse(self.route, kwargs={self.argument: self.stand_in}))
        return f"{parts[0]}{value}{parts[1]}"

    def absolute(self, value, request) -> str:
        """The absolute URL, with ``request``'s host: what goes around the value is kept on the
        request, whose host, script prefix and URLconf do not change while it is served."""
        per_request = vars(request).setdefault("_route_paths", {})
        parts = per_request.get(self.route)
        if parts is None:
            parts = per_request[self.route] = self._split(request.build_absolute_uri(self(self.stand_in)))
        return f"{parts[0]}{value}{parts[1]}"

    def _split(self, url: str) -> tuple[str, str]:
        before, found, after = url.rpartition(str(self.stand_in))
        if not found:
            raise ImproperlyConfigured(f"{self.route}: {self.stand_in!r} does not appear in {url!r}")
        return before, after
