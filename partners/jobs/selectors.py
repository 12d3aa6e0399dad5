"""Reads of jobs, each scoped to the calling partner."""

from __future__ import annotations

from django.db.models import QuerySet

from partners.account.models import Partner
from partners.programs.models import Program

from .models import Job


def jobs_of_program(program: Program) -> QuerySet[Job]:
    # Output needs only the job's own columns (program_id and talent_id are the foreign keys).
    return Job.objects.filter(program=program).order_by("id")


def job_for(partner: Partner, job_id: int) -> Job | None:
    return Job.objects.select_related("program").filter(program__partner=partner, pk=job_id).first()
