"""Reads of a partner's account."""

from __future__ import annotations

from django.db.models import Sum

from .models import LedgerEntry, Partner


def ledger_total(partner: Partner):
    """The balance the ledger adds up to (what ``Partner.balance`` must equal)."""
    return LedgerEntry.objects.filter(partner=partner).aggregate(total=Sum("amount"))["total"] or 0
