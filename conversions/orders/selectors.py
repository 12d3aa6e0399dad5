"""Reads of conversion orders, with their relations loaded once."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Order


def order_for_conversion(user, recording_id) -> Order | None:
    return (
        Order.objects.select_related("conversion", "original", "voice", "accent", "narration_style", "calibration")
        .filter(user=user, conversion_id=recording_id)
        .first()
    )


def orders_of_original(user, original) -> QuerySet[Order]:
    return (
        Order.objects.select_related("conversion", "original", "voice", "accent", "narration_style", "calibration")
        .filter(user=user, original=original)
        .order_by("created_at", "id")
    )


def order_for_user(user, order_id) -> Order | None:
    """An order the user placed, with its conversion; None for anyone else's."""
    return (
        Order.objects.select_related("conversion", "voice", "accent", "narration_style", "job")
        .filter(user=user, pk=order_id)
        .first()
    )
