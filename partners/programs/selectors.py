"""Reads of programs, each scoped to the calling partner."""

from __future__ import annotations

from django.db.models import QuerySet

from partners.account.models import Partner

from .models import Program


def programs_for(partner: Partner) -> QuerySet[Program]:
    return Program.objects.filter(partner=partner).order_by("id")


def program_for(partner: Partner, program_id: int) -> Program | None:
    return Program.objects.filter(partner=partner, pk=program_id).first()
