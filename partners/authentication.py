"""X-API-KEY authentication, rate limiting and permission for the Partner API.

As documented: an unknown key is 404, a known key whose Partner Program access is
not enabled is 401. The dialect renders both in the Partner API's error body.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from core.dialects.partners import MODE_LIVE, MODE_TEST, requested_test_mode
from core.throttles import RateThrottle

from .account import services as account_services
from .account.models import Partner

KEY_HEADER = "X-API-KEY"


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    """How PartnerKeyAuthentication appears in the OpenAPI document (registered by being defined)."""

    target_class = "partners.authentication.PartnerKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": KEY_HEADER,
            "description": "Your partner key. Unknown key: 404; Partner Program access not enabled: 401.",
        }


class UnknownApiKey(exceptions.NotFound):
    default_detail = "Unknown API key"


class PartnerKeyAuthentication(authentication.BaseAuthentication):
    """Sets ``request.partner``, ``request.partner_key`` and ``request.partner_mode``."""

    def authenticate(self, request):
        forced_test_mode = requested_test_mode(request)
        plaintext = (request.headers.get(KEY_HEADER) or "").strip()
        api_key = account_services.api_key_for(plaintext) if plaintext else None
        if api_key is None:
            raise UnknownApiKey()
        partner = api_key.partner
        _remember(request, partner=partner, partner_key=api_key, partner_mode=mode_for(partner, forced_test_mode))
        if not partner.access_enabled:
            raise exceptions.AuthenticationFailed("Partner Program access is not enabled for this key")
        return partner, api_key

    def authenticate_header(self, request):
        # Offering a challenge keeps DRF from turning the 401 into a 403.
        return KEY_HEADER


def mode_for(partner: Partner, forced_test_mode: bool) -> str:
    """Test mode unless the partner is live and the request does not ask for test mode."""
    return MODE_LIVE if partner.is_live and not forced_test_mode else MODE_TEST


def _remember(request, **values):
    # Both the DRF request and the Django request carry them: the dialect reads
    # whichever it is handed, and the audit log reads them after the response.
    for name, value in values.items():
        setattr(request, name, value)
        setattr(request._request, name, value)


class IsPartner(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(getattr(request, "partner", None), Partner) and request.partner.access_enabled


class PartnerKeyThrottle(RateThrottle):
    """Per-key request rate (settings.THROTTLE_RATES["partners"], from PARTNERS_RATE_LIMIT)."""

    scope = "partners"

    def get_caller(self, request, view):
        api_key = getattr(request, "partner_key", None)
        return None if api_key is None else api_key.prefix
