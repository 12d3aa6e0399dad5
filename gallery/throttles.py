"""Rate limits per HTTP method, per user (per IP for anonymous callers), in the shared cache."""

from core.throttles import MethodScopedRateThrottle


class GalleryRateThrottle(MethodScopedRateThrottle):
    """A view maps methods to scopes (``throttle_scopes = {"GET": "gallery_read"}``); rates are
    settings.GALLERY_THROTTLE_RATES."""

    rates_setting = "GALLERY_THROTTLE_RATES"
