"""Accounts endpoints: /api/v1/auth/* (VoiceStamps dialect) and the Respeecher set (/api/login, ...)."""

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny

from core.dialects import CONVERSIONS, STAMPS, ApiError, DialectResponse, DialectView
from core.parsers import JSONParser
from core.throttles import RateThrottle

from .. import selectors, services, tokens
from . import serializers as s


def _user_from_credentials(request, input_serializer):
    """Validate the email/password body; the matching active user, or None."""
    data = input_serializer(data=request.data)
    data.is_valid(raise_exception=True)
    user = authenticate(request, email=data.validated_data["email"].lower(), password=data.validated_data["password"])
    return user, data.validated_data


def _tokens_body(user) -> dict:
    pair = tokens.issue_tokens(user)
    return {"access": pair.access, "refresh": pair.refresh, "token_type": "Bearer", "expires_in": pair.expires_in}


# --- /api/v1/auth (VoiceStamps dialect) ------------------------------------------------
class RegisterView(DialectView):
    dialect = STAMPS
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [RateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=s.RegisterInput, responses={201: s.AuthTokensOutput}, tags=["auth"])
    def post(self, request):
        data = s.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.register_user(**data.validated_data)
        return DialectResponse({"user": s.UserOutput(user).data, **_tokens_body(user)}, status=201)


class TokenView(DialectView):
    dialect = STAMPS
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [RateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=s.TokenInput, responses={200: s.TokenOutput}, tags=["auth"])
    def post(self, request):
        user, _ = _user_from_credentials(request, s.TokenInput)
        if user is None:
            raise ApiError("not_authenticated", message="Invalid email or password")
        return DialectResponse(_tokens_body(user))


class TokenRefreshView(DialectView):
    dialect = STAMPS
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.RefreshInput, responses={200: s.TokenOutput}, tags=["auth"])
    def post(self, request):
        data = s.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            claims = tokens.decode_own(data.validated_data["refresh"], tokens.REFRESH)
            user = tokens.user_for_claims(claims)
            tokens.revoke_refresh(claims)
        except tokens.TokenError:
            raise ApiError("not_authenticated") from None
        return DialectResponse(_tokens_body(user))


class MeView(DialectView):
    dialect = STAMPS

    @extend_schema(responses={200: s.MeOutput}, tags=["auth"])
    def get(self, request):
        return DialectResponse({"user": s.UserOutput(request.user).data})


# --- the Respeecher gateway set (conversions dialect) -----------------------------------
@method_decorator(ensure_csrf_cookie, name="post")
class LoginView(DialectView):
    """Sets a session, so it must not be a login CSRF target: JSON bodies only (as the gateway
    documents). A cross-site form cannot send application/json, and a cross-site script cannot
    either without a CORS preflight that only CORS_ALLOWED_ORIGINS pass."""

    dialect = CONVERSIONS
    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes = [JSONParser]
    throttle_classes = [RateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=s.LoginInput, responses={200: s.LoginOutput}, tags=["auth"])
    def post(self, request):
        user, data = _user_from_credentials(request, s.LoginInput)
        if user is None:
            # The gateway documents 404 for a failed login; the wording does not say which part was wrong.
            raise ApiError("not_found", message="Invalid email or password")
        login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
        if "session_duration" in data:
            request.session.set_expiry(data["session_duration"])
        return DialectResponse({"user": s.GatewayUserOutput(user).data, "csrf_token": get_token(request._request)})


class LogoutView(DialectView):
    dialect = CONVERSIONS
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={200: s.DetailOutput}, tags=["auth"])
    def post(self, request):
        logout(request._request)
        return DialectResponse({"detail": "OK"})


class ApiKeyView(DialectView):
    dialect = CONVERSIONS

    @extend_schema(request=s.ApiKeyInput, responses={200: s.ApiKeyOutput}, tags=["auth"])
    def post(self, request):
        data = s.ApiKeyInput(data=request.data)
        data.is_valid(raise_exception=True)
        _, plaintext = services.create_api_key(request.user, expires_at=data.validated_data.get("expires_at"))
        return DialectResponse({"api_key": plaintext})

    @extend_schema(request=None, responses={200: s.DetailOutput}, tags=["auth"])
    def delete(self, request):
        services.revoke_api_keys(request.user)
        return DialectResponse({"detail": "OK"})


class CreditsView(DialectView):
    dialect = CONVERSIONS

    @extend_schema(responses={200: s.CreditsOutput}, tags=["credits"])
    def get(self, request):
        return DialectResponse(s.CreditsOutput(selectors.credit_summary(request.user)).data)
