"""Reads of talents and demos: those of the calling partner's programs, and by public id for the public pages."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from partners.account.models import Partner
from partners.programs.models import Program

from .models import Demo, Talent


def _with_demos(queryset: QuerySet[Talent]) -> QuerySet[Talent]:
    return queryset.prefetch_related(Prefetch("demos", queryset=Demo.objects.order_by("id")))


def talents_of_program(program: Program) -> QuerySet[Talent]:
    return _with_demos(program.talents.order_by("id"))


def talent_for(partner: Partner, talent_id: int) -> Talent | None:
    """The talent if it is in at least one of the partner's programs."""
    return _with_demos(Talent.objects.filter(pk=talent_id, programs__partner=partner).distinct()).first()


def talent_in_partner_programs(partner: Partner, talent_id: int) -> Talent | None:
    return Talent.objects.filter(pk=talent_id, programs__partner=partner).distinct().first()


def demo_by_public_id(public_id) -> Demo | None:
    return Demo.objects.select_related("talent").filter(public_id=public_id).first()


def talent_by_public_id(public_id) -> Talent | None:
    return _with_demos(Talent.objects.filter(public_id=public_id)).first()
