"""DRF authentication for every user-facing API: Bearer JWT (ours or an external
OIDC issuer's), the ``api-key`` header, and a session with the X-Csrf-Token header.

Wrong, expired or tampered credentials raise AuthenticationFailed, which each API's
dialect renders as its own 401 body.

The classes stay in this module, not under api/: they are DRF's pluggable authentication for
every API of every app (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES names them by dotted
path), not the accounts endpoints' HTTP layer. How each appears in the OpenAPI document is
declared next to it: drf-spectacular registers an extension when its class is defined, and DRF
imports this module whenever it loads its views.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import services, tokens


class BearerAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        if not token or " " in token:
            raise exceptions.AuthenticationFailed("The provided token is invalid or expired")
        try:
            if tokens.oidc_enabled() and tokens.unverified_issuer(token) == settings.OIDC_ISSUER:
                claims = tokens.decode_oidc(token)
                user = services.user_from_oidc_claims(
                    settings.OIDC_ISSUER,
                    claims,
                    role_claim=settings.OIDC_ROLE_CLAIM,
                    admin_role=settings.OIDC_ADMIN_ROLE,
                )
            else:
                claims = tokens.decode_own(token, tokens.ACCESS)
                user = tokens.user_for_claims(claims)
        except (tokens.TokenError, KeyError, ValueError):
            raise exceptions.AuthenticationFailed("The provided token is invalid or expired") from None
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("The provided token is invalid or expired")
        return user, claims

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyAuthentication(authentication.BaseAuthentication):
    header = "Api-Key"

    def authenticate(self, request):
        key = request.headers.get(self.header)
        if key is None:
            return None
        user = services.user_for_api_key(key.strip())
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or expired API key")
        return user, None


class CsrfSessionAuthentication(authentication.SessionAuthentication):
    """Session cookies; unsafe methods need the CSRF token in X-Csrf-Token (settings.CSRF_HEADER_NAME)."""


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Our JWT from /api/v1/auth/token, or an access token of the configured OIDC issuer.",
        }


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "api-key"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.CsrfSessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "From POST /api/login; unsafe methods also need the X-Csrf-Token header.",
        }
