"""Writes of jobs. Each is one transaction.

Calls from the Partner API take ``live``: in test mode (``live=False``) every rule is
checked exactly as in live mode and nothing is written — no rows, no files, no
emails, no credit — so a partner sees the errors and notices it would get live.
Staff (the admin) assign talents and deliver recorded files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core import jobs as background
from core.errors import DomainError
from core.services import schedule_storage_cleanup
from core.storage import new_key, object_storage, removed_on_failure
from core.uploads import AudioLimits, audio_intake
from core.webhooks.events import JOB_SUCCEEDED, JobSubject, announce
from partners.account import credit
from partners.account.models import LedgerEntry, Partner
from partners.errors import refused
from partners.programs import selectors as program_selectors
from partners.programs.models import Program
from partners.talents import selectors as talent_selectors
from partners.talents.models import Talent

from .models import Job, JobEvent
from .scripts import ScriptType

logger = logging.getLogger(__name__)

# Failures of the storage service (local disk or S3) while writing an object.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)
DELIVERY_FORMATS = {"mp3", "wav", "ogg", "flac", "m4a"}


@dataclass
class JobRequest:
    program_id: int
    talent_id: int
    job_description: str
    sample_script: str = ""
    script_file: IO[bytes] | None = None
    script_file_name: str = ""
    script_type: ScriptType | None = None  # detected by content


@dataclass
class JobCreation:
    job: Job | None
    notices: list[dict] = field(default_factory=list)


def _program_is_open(program: Program) -> bool:
    today = timezone.localdate()
    return program.is_active and program.start_date <= today <= program.end_date


def create_job(partner: Partner, request: JobRequest, *, live: bool, actor: str) -> JobCreation:
    """Check everything a job needs; in live mode create it, store its script file and charge its price."""
    program = program_selectors.program_for(partner, request.program_id)
    if program is None:
        raise refused("program_not_associated", "forbidden")
    talent = talent_selectors.talent_in_partner_programs(partner, request.talent_id)
    if talent is None:
        raise refused("talent_not_associated", "forbidden")
    if not _program_is_open(program):
        raise refused("program_not_active", "conflict")
    if not live:
        current, ledger_total = credit.snapshot(partner)
        balance = credit.balance_after_charge(current, ledger_total, program.unit_price)
        return JobCreation(None, credit.notices(current, balance))

    # The script is stored inside the transaction; if the job's rows are not committed it goes too.
    with removed_on_failure() as stored_keys:
        try:
            with transaction.atomic():
                locked, ledger_total = credit.lock(partner)
                balance = credit.balance_after_charge(locked, ledger_total, program.unit_price)
                try:
                    job = Job.objects.create(
                        program=program,
                        talent=talent,
                        sample_script=request.sample_script,
                        job_description=request.job_description,
                    )
                    if program.unit_price > 0:
                        LedgerEntry.objects.create(
                            partner=locked,
                            kind=LedgerEntry.Kind.CHARGE,
                            amount=program.unit_price,
                            balance_after=balance,
                            job=job,
                            note=f"job {job.pk}",
                        )
                        locked.balance = balance
                        locked.save(update_fields=["balance", "updated"])
                    JobEvent.objects.create(job=job, kind=JobEvent.Kind.CREATED, actor=actor)
                    if request.script_file is not None:
                        stored = _put_script(partner, request)
                        stored_keys.append(stored.key)
                        _attach_script(job, stored.key, request)
                except (DatabaseError, *STORAGE_ERRORS) as exc:
                    logger.exception("job for partner %s program %s could not be created", partner.pk, program.pk)
                    raise refused("job_not_created", "conflict") from exc
        except DatabaseError as exc:
            logger.exception("job for partner %s program %s could not be committed", partner.pk, program.pk)
            raise refused("job_not_created", "conflict") from exc
    logger.info("partner %s created job %s in program %s", partner.pk, job.pk, program.pk)
    return JobCreation(job, credit.notices(locked, balance))


def _put_script(partner: Partner, request: JobRequest):
    kind = request.script_type
    return object_storage.put(
        new_key(f"partners/{partner.pk}/scripts", kind.extension), request.script_file, kind.content_type
    )


def _attach_script(job: Job, key: str, request: JobRequest) -> None:
    kind = request.script_type
    name = Path((request.script_file_name or "").replace("\x00", "")).name
    job.script_file_key = key
    job.script_file_name = (name or f"script{kind.extension}")[:255]
    job.script_file_type = kind.content_type
    job.save(update_fields=["script_file_key", "script_file_name", "script_file_type"])


def _job_of(partner: Partner, job_id: int, *, lock: bool) -> Job:
    queryset = Job.objects.select_related("program").filter(program__partner=partner, pk=job_id)
    job = (queryset.select_for_update(of=("self",)) if lock else queryset).first()
    if job is None:
        raise refused("job_not_associated", "forbidden")
    return job


def _check_approvable(job: Job) -> None:
    if job.status != Job.Status.ASSIGNED or not job.delivered_file_key:
        raise refused("approval_unsuccessful", "conflict")


def approve_job(partner: Partner, job_id: int, *, live: bool, actor: str) -> Job | None:
    """Approve the delivered file (status approved, updated now)."""
    _check_approvable(_job_of(partner, job_id, lock=False))
    if not live:
        return None
    with transaction.atomic():
        job = _job_of(partner, job_id, lock=True)
        _check_approvable(job)
        job.status = Job.Status.APPROVED
        job.save(update_fields=["status", "updated"])
        JobEvent.objects.create(job=job, kind=JobEvent.Kind.APPROVED, actor=actor)
    logger.info("partner %s approved job %s", partner.pk, job.pk)
    return job


def _check_editable(job: Job, notes: str) -> None:
    if not notes.strip():
        raise refused("edit_notes_required", "invalid")
    if job.status == Job.Status.APPROVED:
        raise refused("job_approved_no_edits", "conflict")
    if job.edit_count >= job.program.max_edits:
        raise refused("max_edits_reached", "conflict")
    if job.status != Job.Status.ASSIGNED or not job.delivered_file_key:
        # Nothing delivered since the job was created or since the last edit request.
        raise refused("edit_unsuccessful", "conflict")


def request_edit(partner: Partner, job_id: int, notes: str, *, live: bool, actor: str) -> Job | None:
    """Ask for a new take: status edit, edit_count + 1, notes kept; past the program's edit
    limit the program manager is emailed, once per job."""
    _check_editable(_job_of(partner, job_id, lock=False), notes)
    if not live:
        return None
    with transaction.atomic():
        job = _job_of(partner, job_id, lock=True)
        _check_editable(job, notes)
        job.status = Job.Status.EDIT
        job.edit_count += 1
        job.edit_notes = notes
        fields = ["status", "edit_count", "edit_notes", "updated"]
        notify = job.edit_count > job.program.edit_limit and job.manager_notified_at is None
        if notify:
            job.manager_notified_at = timezone.now()
            fields.append("manager_notified_at")
        job.save(update_fields=fields)
        JobEvent.objects.create(job=job, kind=JobEvent.Kind.EDIT_REQUESTED, notes=notes, actor=actor)
        if notify:
            background.start_job(
                "partners.edit_limit_email",
                "partners.notify_edit_limit",
                subject=f"partner-job:{job.pk}",
                payload={"job_id": job.pk},
            )
    logger.info("partner %s requested edit %s of job %s", partner.pk, job.edit_count, job.pk)
    return job


def run_edit_limit_notification(background_job_id) -> None:
    """Email the program manager that a job passed the program's edit limit."""

    def work(ctx: background.JobContext):
        job = Job.objects.select_related("program__partner", "talent").get(pk=ctx.job.payload["job_id"])
        context = {
            "job": job,
            "program": job.program,
            "partner": job.program.partner,
            "base_url": settings.PUBLIC_BASE_URL,
        }
        try:
            send_mail(
                subject=f"Job {job.pk} passed the edit limit of {job.program.name}",
                message=render_to_string("partners/email/edit_limit.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[job.program.manager_email],
            )
        except OSError as exc:
            raise background.TransientJobError(f"mail server unavailable: {exc}") from exc
        with ctx.writing_results():
            JobEvent.objects.create(
                job=job,
                kind=JobEvent.Kind.MANAGER_NOTIFIED,
                notes=f"Emailed {job.program.manager_email}",
                actor="system",
            )
        logger.info("emailed manager of program %s about job %s", job.program_id, job.pk)

    background.run_job(background_job_id, work)


# --- staff work (the admin) -------------------------------------------------------------------
@transaction.atomic
def assign_talent(job: Job, talent: Talent, *, by) -> Job:
    job = Job.objects.select_for_update().get(pk=job.pk)
    job.talent = talent
    fields = ["talent", "updated"]
    if job.status == Job.Status.NEW:
        job.status = Job.Status.ASSIGNED
        fields.append("status")
    job.save(update_fields=fields)
    JobEvent.objects.create(job=job, kind=JobEvent.Kind.ASSIGNED, notes=str(talent), actor=str(by or ""))
    return job


def _delivery_limits() -> AudioLimits:
    return AudioLimits(settings.PARTNERS_AUDIO_MAX_BYTES, settings.PARTNERS_AUDIO_MAX_SECONDS, DELIVERY_FORMATS)


def deliver_file(job: Job, fileobj, filename: str, *, by) -> Job:
    """Attach the recorded file; the job waits for the partner's approval or edit request."""
    if job.status == Job.Status.APPROVED:
        raise DomainError("conflict", "The job is approved; its file cannot be replaced.")
    if job.status == Job.Status.NEW:
        raise DomainError("conflict", "Assign a talent before delivering a file.")
    with (
        audio_intake(fileobj, _delivery_limits(), f"partners/{job.program.partner_id}/deliveries") as accepted,
        transaction.atomic(),
    ):
        stored, info = accepted.stored, accepted.info
        locked = Job.objects.select_for_update().get(pk=job.pk)
        previous = locked.delivered_file_key
        locked.delivered_file_key = stored.key
        locked.delivered_file_name = Path(filename or "").name[:255] or f"delivery.{info.format}"
        locked.delivered_content_type = info.content_type
        locked.status = Job.Status.ASSIGNED
        locked.save(
            update_fields=["delivered_file_key", "delivered_file_name", "delivered_content_type", "status", "updated"]
        )
        JobEvent.objects.create(
            job=locked, kind=JobEvent.Kind.DELIVERED, notes=locked.delivered_file_name, actor=str(by or "")
        )
        _announce_delivery(locked)
        schedule_storage_cleanup([previous], subject=f"partner-job:{job.pk}")
    return locked


def _announce_delivery(job: Job) -> None:
    """The recorded file is the job's result: partners hear job.succeeded (state "delivered")."""
    path = f"/{settings.PARTNERS_URL_PREFIX}jobs/{job.pk}"
    subject = JobSubject(
        "partners", "job", str(job.pk), path, partner_id=job.program.partner_id, result_paths={"job": path}
    )
    announce(subject, JOB_SUCCEEDED, state="delivered")
