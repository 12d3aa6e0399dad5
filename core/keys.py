"""Hashed API keys: one abstract model and one service for every kind of key.

A user's ``api-key`` header (accounts) and a partner's ``X-API-KEY`` (partners) are the same
thing: a plaintext ``<label>_<prefix>_<secret>`` shown once, of which only the SHA-256 is kept.
The prefix (not secret) finds the row, the hash is compared in constant time, an owner has one
usable key at a time (issuing revokes the others), and use is recorded at most once a minute so
that a busy key does not write on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Callable

from django.db import models, transaction
from django.utils import timezone

# Seconds between two writes of a key's last_used_at.
LAST_USED_INTERVAL = 60


class HashedKey(models.Model):
    """The columns every API key table has; the concrete model adds its owner (a foreign key)."""

    prefix = models.CharField(max_length=16, unique=True, help_text="Identifies the key; not secret.")
    key_hash = models.CharField(max_length=64)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        expires_at = getattr(self, "expires_at", None)
        return self.revoked_at is None and (expires_at is None or expires_at > now)


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@dataclass(frozen=True)
class KeyService:
    """Issue, find, revoke and record the use of the keys of one ``model`` owned through ``owner_field``;
    ``label`` starts every plaintext of this kind (``vpk``, ``vpp``); a key whose owner fails
    ``owner_is_usable`` (a deactivated user) is refused like a revoked one."""

    model: type[HashedKey]
    owner_field: str
    label: str
    owner_is_usable: Callable[[Any], bool] = lambda owner: True

    @transaction.atomic
    def issue(self, owner, **fields) -> tuple[HashedKey, str]:
        """A new key for ``owner`` (its previous keys stop working). The plaintext exists only in the return value."""
        self.revoke(owner)
        prefix = secrets.token_hex(6)
        plaintext = f"{self.label}_{prefix}_{secrets.token_urlsafe(32)}"
        key = self.model.objects.create(
            **{self.owner_field: owner}, prefix=prefix, key_hash=hash_key(plaintext), **fields
        )
        return key, plaintext

    def revoke(self, owner) -> int:
        return self.model.objects.filter(**{self.owner_field: owner}, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )

    def prefix_of(self, plaintext: str) -> str:
        """The prefix a plaintext of this kind names ("" for anything else), e.g. for an audit log."""
        parts = plaintext.split("_", 2)
        return parts[1][:16] if len(parts) == 3 and parts[0] == self.label else ""

    def authenticate(self, plaintext: str) -> HashedKey | None:
        """The usable key (with its owner loaded) matching ``plaintext``, or None (unknown, tampered,
        revoked or expired). Its use is recorded."""
        prefix = self.prefix_of(plaintext)
        if not prefix:
            return None
        key = self.model.objects.select_related(self.owner_field).filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.key_hash, hash_key(plaintext)):
            return None
        now = timezone.now()
        if not key.is_usable(now) or not self.owner_is_usable(getattr(key, self.owner_field)):
            return None
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_INTERVAL:
            self.model.objects.filter(pk=key.pk).update(last_used_at=now)
        return key
