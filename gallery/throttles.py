"""Rate limits per HTTP method, per user (per IP for anonymous callers), in the shared cache."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.throttles import ScopedRateThrottle


class GalleryRateThrottle(ScopedRateThrottle):
    """A view maps methods to scopes (``throttle_scopes = {"GET": "gallery_read"}``).

    Rates come from settings.GALLERY_THROTTLE_RATES when the request arrives, so a
    deployment (or a test) changes them without touching DRF's class-level copy.
    """

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scopes", {}).get(request.method)
        if not self.scope:
            return True
        self.rate = settings.GALLERY_THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return SimpleRateThrottle.allow_request(self, request, view)
