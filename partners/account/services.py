"""Writes of a partner's account: partners and their keys, access and mode, payments, the audit
log of calls. Each is one transaction."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.keys import KeyService

from .models import AuditLogEntry, LedgerEntry, Partner, PartnerApiKey

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "vpp"
partner_keys = KeyService(PartnerApiKey, "partner", API_KEY_PREFIX)


def issue_api_key(partner: Partner) -> tuple[PartnerApiKey, str]:
    """A new key for ``partner`` (its previous keys stop working). The plaintext exists only in the return value."""
    api_key, plaintext = partner_keys.issue(partner)
    logger.info("issued partner key %s for partner %s", api_key.prefix, partner.pk)
    return api_key, plaintext


def key_prefix_of(plaintext: str) -> str:
    return partner_keys.prefix_of(plaintext)


def api_key_for(plaintext: str) -> PartnerApiKey | None:
    """The usable key (with its partner) matching ``plaintext``, or None."""
    return partner_keys.authenticate(plaintext)


@transaction.atomic
def create_partner(
    *,
    name: str,
    live: bool = False,
    credit_limit=None,
    access_enabled: bool = True,
    notice_threshold: int | None = None,
) -> tuple[Partner, str]:
    """A partner with a fresh key. Returns (partner, plaintext key)."""
    partner = Partner(
        name=name,
        is_live=live,
        access_enabled=access_enabled,
        credit_limit=Decimal(str(credit_limit)) if credit_limit is not None else None,
    )
    if notice_threshold is not None:
        partner.notice_threshold = notice_threshold
    partner.full_clean()
    partner.save()
    _, plaintext = issue_api_key(partner)
    return partner, plaintext


def set_access(partners, *, enabled: bool) -> int:
    """Open or close the Partner API to the selected partners (staff); returns how many."""
    return partners.update(access_enabled=enabled)


def set_live(partners, *, live: bool) -> int:
    """Switch the selected partners to live or test mode (staff); returns how many."""
    return partners.update(is_live=live)


@transaction.atomic
def record_payment(partner: Partner, amount, *, note: str = "", by=None) -> LedgerEntry:
    """A payment lowers the outstanding balance."""
    amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    if amount <= 0:
        raise DomainError("invalid", "A payment must be positive.", field="amount")
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    locked.balance -= amount
    locked.save(update_fields=["balance", "updated"])
    return LedgerEntry.objects.create(
        partner=locked,
        kind=LedgerEntry.Kind.PAYMENT,
        amount=-amount,
        balance_after=locked.balance,
        note=note,
        created_by=by,
    )


def purge_audit_log(retention_days: int | None = None) -> int:
    """Delete audit entries older than the retention period (settings.PARTNERS_AUDIT_RETENTION_DAYS)."""
    days = settings.PARTNERS_AUDIT_RETENTION_DAYS if retention_days is None else retention_days
    deleted, _ = AuditLogEntry.objects.filter(created__lt=timezone.now() - timedelta(days=days)).delete()
    if deleted:
        logger.info("purged %s partner audit entries older than %s days", deleted, days)
    return deleted


def record_call(
    *,
    partner: Partner | None,
    api_key: PartnerApiKey | None,
    key_prefix: str,
    method: str,
    endpoint: str,
    mode: str,
    status: int,
    duration_ms: int,
) -> AuditLogEntry:
    # The path and key are the caller's text: PostgreSQL text cannot hold NUL (a request for
    # /programs/%00 is logged, not a 500).
    return AuditLogEntry.objects.create(
        partner=partner,
        api_key=api_key,
        key_prefix=key_prefix.replace("\x00", "\ufffd")[:16],
        method=method[:10],
        endpoint=endpoint.replace("\x00", "\ufffd")[:300],
        mode=mode,
        status=status,
        duration_ms=max(duration_ms, 0),
    )
