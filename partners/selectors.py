"""Reads of the partner program, each scoped to the calling partner."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet, Sum

from .models import Demo, Job, LedgerEntry, Partner, Program, Talent


def programs_for(partner: Partner) -> QuerySet[Program]:
    return Program.objects.filter(partner=partner).order_by("id")


def program_for(partner: Partner, program_id: int) -> Program | None:
    return Program.objects.filter(partner=partner, pk=program_id).first()


def jobs_of_program(program: Program) -> QuerySet[Job]:
    # Output needs only the job's own columns (program_id and talent_id are the foreign keys).
    return Job.objects.filter(program=program).order_by("id")


def job_for(partner: Partner, job_id: int) -> Job | None:
    return Job.objects.select_related("program").filter(program__partner=partner, pk=job_id).first()


def _with_demos(queryset: QuerySet[Talent]) -> QuerySet[Talent]:
    return queryset.prefetch_related(Prefetch("demos", queryset=Demo.objects.order_by("id")))


def talents_of_program(program: Program) -> QuerySet[Talent]:
    return _with_demos(program.talents.order_by("id"))


def talent_for(partner: Partner, talent_id: int) -> Talent | None:
    """The talent if it is in at least one of the partner's programs."""
    return _with_demos(Talent.objects.filter(pk=talent_id, programs__partner=partner).distinct()).first()


def talent_in_partner_programs(partner: Partner, talent_id: int) -> Talent | None:
    return Talent.objects.filter(pk=talent_id, programs__partner=partner).distinct().first()


def ledger_total(partner: Partner):
    """The balance the ledger adds up to (what ``Partner.balance`` must equal)."""
    return LedgerEntry.objects.filter(partner=partner).aggregate(total=Sum("amount"))["total"] or 0


def demo_by_public_id(public_id) -> Demo | None:
    return Demo.objects.select_related("talent").filter(public_id=public_id).first()


def talent_by_public_id(public_id) -> Talent | None:
    return _with_demos(Talent.objects.filter(public_id=public_id)).first()
