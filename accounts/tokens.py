"""Our own signed JWTs (HS256) and verification of external OpenID Connect tokens (RS256 via JWKS)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import jwt
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from core.db import CompiledLookup

from .models import UsedRefreshToken, User

ACCESS = "access"
REFRESH = "refresh"


class TokenError(Exception):
    """The token is malformed, tampered with, expired or of the wrong kind."""


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int


def issue_tokens(user) -> TokenPair:
    return TokenPair(
        access=_encode(user, ACCESS, settings.JWT_ACCESS_TTL),
        refresh=_encode(user, REFRESH, settings.JWT_REFRESH_TTL),
        expires_in=settings.JWT_ACCESS_TTL,
    )


def _encode(user, token_type: str, ttl: int) -> str:
    now = int(time.time())
    claims = {
        "iss": settings.JWT_ISSUER,
        "sub": str(user.pk),
        "typ": token_type,
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        "name": user.name,
        "stp": token_stamp(user),
    }
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS256")


def token_stamp(user) -> str:
    """What a token must still match to be valid: it changes when the password changes (by any
    path: admin, reset, `changepassword`) and when ``token_generation`` is raised (deactivation).

    An HMAC of the password hash, like Django's session auth hash, so the claim gives nothing away.
    """
    # The salt is a fixed string, not the module's name: changing it would end every token.
    return salted_hmac(
        "accounts.tokens.stamp", f"{user.password}|{user.token_generation}", algorithm="sha256"
    ).hexdigest()[:32]


_ACTIVE_USER_BY_ID = CompiledLookup(User, "id", is_active=True)


def user_for_claims(claims: dict):
    """The active user our token names, if the token was issued since their last password
    change or token revocation; TokenError otherwise."""
    # Every authenticated request runs this lookup: compiled once (core.db.CompiledLookup).
    user = _ACTIVE_USER_BY_ID.first(claims.get("sub"))
    if user is None or not constant_time_compare(str(claims.get("stp", "")), token_stamp(user)):
        raise TokenError("token no longer valid for this user")
    return user


def decode_own(token: str, token_type: str = ACCESS) -> dict:
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            algorithms=["HS256"],
            issuer=settings.JWT_ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from None
    if claims.get("typ") != token_type:
        raise TokenError(f"expected a {token_type} token")
    return claims


def unverified_issuer(token: str) -> str | None:
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None


def oidc_enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_JWKS_URL and settings.OIDC_AUDIENCE)


_jwks_clients: dict[str, jwt.PyJWKClient] = {}


def _jwks_client() -> jwt.PyJWKClient:
    url = settings.OIDC_JWKS_URL
    if url not in _jwks_clients:
        # Keys are cached in the process; an unknown kid triggers one refetch (key rotation).
        _jwks_clients[url] = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)
    return _jwks_clients[url]


def decode_oidc(token: str) -> dict:
    """Verify an external issuer's token: signature (JWKS), issuer, audience, expiry."""
    try:
        signing_key = _jwks_client().get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256", "RS384", "RS512", "ES256"],
            audience=settings.OIDC_AUDIENCE,
            issuer=settings.OIDC_ISSUER,
            options={"require": ["exp", "iss", "aud"]},
        )
    except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
        raise TokenError(str(exc)) from None


def revoke_refresh(claims: dict) -> None:
    """Refresh tokens are single-use: the first exchange records the jti; any later one fails.

    Recorded in the database, not the cache: a cache's add is not atomic on every backend
    (the file cache) and a cache may evict the entry, after which the token would work again.
    """
    if not claims.get("jti"):
        raise TokenError("refresh token without an id")
    expires_at = datetime.fromtimestamp(claims["exp"], tz=timezone.utc)
    try:
        with transaction.atomic():
            UsedRefreshToken.objects.create(jti=claims["jti"], expires_at=expires_at)
    except IntegrityError:
        raise TokenError("refresh token already used") from None
