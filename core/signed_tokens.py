"""Short-lived signed tokens: what a signed download URL or an upload slot carries on local disk.

A token is ``<payload>.<mac>``: the payload is the claims as compact JSON in unpadded base64url,
the mac an HMAC-SHA256 of that text, also base64url. Its key is HMAC-SHA256(SECRET_KEY, label +
salt): one salt per purpose (a download token is no upload slot), the label keeping these keys
apart from any other HMAC under SECRET_KEY (our HS256 JWTs). The key is derived once per secret and
kept, where ``django.core.signing`` derived it again for every token and also compressed the
payload: a gallery page hands out 40 URLs, and that was ~50 µs each (~10 now). Every token expires
(``exp``, Unix seconds, checked on reading); the mac is compared in constant time, against
SECRET_KEY and then each of SECRET_KEY_FALLBACKS, so rotating the secret keeps the tokens of the
old one working until they expire. The format is in docs/decisions.md.
"""

from __future__ import annotations

import base64
import hmac
import json
import time
from functools import lru_cache

from django.conf import settings

_ENCODER = json.JSONEncoder(separators=(",", ":"))
_KEY_LABEL = "voiceplatform.signed_tokens:"


@lru_cache(maxsize=32)
def _derived_key(secret: str, salt: str) -> bytes:
    return hmac.digest(secret.encode(), f"{_KEY_LABEL}{salt}".encode(), "sha256")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class TokenSigner:
    """Signs and reads the tokens of one purpose, named by ``salt``."""

    def __init__(self, salt: str):
        self.salt = salt

    def _mac(self, secret: str, payload: bytes) -> bytes:
        return _b64(hmac.digest(_derived_key(secret, self.salt), payload, "sha256"))

    def sign(self, claims: dict, *, expires_in: int) -> str:
        """A token carrying ``claims`` (JSON-serialisable) and valid for ``expires_in`` seconds."""
        payload = _b64(_ENCODER.encode({**claims, "exp": int(time.time()) + expires_in}).encode())
        return f"{payload.decode()}.{self._mac(settings.SECRET_KEY, payload).decode()}"

    def read(self, token: str) -> dict | None:
        """The token's claims (with ``exp``) if it is ours, for this purpose and not expired; else None."""
        payload, _, mac = token.rpartition(".")
        try:
            payload, mac = payload.encode("ascii"), mac.encode("ascii")
        except UnicodeEncodeError:
            return None
        if not any(
            hmac.compare_digest(mac, self._mac(secret, payload))
            for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
        ):
            return None
        # The mac matched, so this is a payload sign() wrote: it decodes.
        claims = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        return claims if claims["exp"] >= time.time() else None
