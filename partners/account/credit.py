"""The credit rules of a job's creation: its price is charged against the partner's credit limit
(documented errors 140, 141, 142, 143), and near the limit creation answers notice 240."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import DatabaseError, models
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce

from core.dialects.partners import CREDIT_BALANCE_APPROACHING_LIMIT, notice

from ..errors import refused
from . import selectors
from .models import Partner

logger = logging.getLogger(__name__)

MONEY = models.DecimalField(max_digits=14, decimal_places=2)


def snapshot(partner: Partner) -> tuple[Partner, Decimal]:
    """The partner's credit settings, balance and ledger total, read in one statement (no lock)."""
    try:
        row = Partner.objects.annotate(
            ledger_total=Coalesce(Sum("ledger__amount"), Value(Decimal("0")), output_field=MONEY)
        ).get(pk=partner.pk)
    except DatabaseError as exc:
        logger.exception("credit of partner %s could not be read", partner.pk)
        raise refused("credit_limit_undetermined", "unavailable") from exc
    return row, row.ledger_total


def lock(partner: Partner) -> tuple[Partner, Decimal]:
    """Lock the partner row (concurrent jobs cannot both spend the last credit); the row and its ledger total."""
    try:
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        return locked, selectors.ledger_total(locked)
    except DatabaseError as exc:
        logger.exception("credit of partner %s could not be locked", partner.pk)
        raise refused("credit_limit_undetermined", "unavailable") from exc


def balance_after_charge(partner: Partner, ledger_total: Decimal, price: Decimal) -> Decimal:
    """The balance once ``price`` is charged, or the documented credit error."""
    if partner.credit_limit is None:
        raise refused("credit_limit_unavailable", "unavailable")
    if ledger_total != partner.balance:
        # The cached balance and the ledger disagree: refuse to guess which one is right.
        logger.error("partner %s balance %s does not match its ledger %s", partner.pk, partner.balance, ledger_total)
        raise refused("credit_limit_undetermined", "unavailable")
    after = partner.balance + price
    if partner.balance >= partner.credit_limit or after > partner.credit_limit:
        raise refused("credit_limit_reached", "payment_required")
    return after


def notices(partner: Partner, balance: Decimal) -> list[dict]:
    limit = partner.credit_limit
    if limit and balance * 100 >= limit * partner.notice_threshold:
        return [notice(CREDIT_BALANCE_APPROACHING_LIMIT)]
    return []
