"""Writes of the partner program. Each is one transaction.

Calls from the Partner API take ``live``: in test mode (``live=False``) every rule is
checked exactly as in live mode and nothing is written — no rows, no files, no
emails, no credit — so a partner sees the errors and notices it would get live.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, models, transaction
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from core import jobs as background
from core.dialects.partners import CREDIT_BALANCE_APPROACHING_LIMIT, notice
from core.errors import DomainError
from core.keys import KeyService
from core.media import MediaError, images
from core.services import schedule_storage_cleanup
from core.storage import new_key, object_storage, removed_on_failure
from core.uploads import AudioLimits, audio_intake
from core.webhooks.events import JOB_SUCCEEDED, JobSubject, announce

from . import selectors
from .scripts import ScriptType
from .models import AuditLogEntry, Demo, Job, JobEvent, LedgerEntry, Partner, PartnerApiKey, Program, Talent

logger = logging.getLogger(__name__)


def _refused(code: str, kind: str) -> DomainError:
    """A documented refusal of the partner API: its dialect words ``code`` with its numbered
    error; the message here is what staff see in the admin."""
    return DomainError(kind, code.replace("_", " ").capitalize() + ".", code=code)

API_KEY_PREFIX = "vpp"
# Failures of the storage service (local disk or S3) while writing an object.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)
DEMO_FORMATS = {"mp3", "wav", "ogg", "flac", "m4a"}
DELIVERY_FORMATS = {"mp3", "wav", "ogg", "flac", "m4a"}
MONEY = models.DecimalField(max_digits=14, decimal_places=2)


# --- partners and keys -----------------------------------------------------------------
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
def create_partner(*, name: str, live: bool = False, credit_limit=None, access_enabled: bool = True,
                   notice_threshold: int | None = None) -> tuple[Partner, str]:
    """A partner with a fresh key. Returns (partner, plaintext key)."""
    partner = Partner(name=name, is_live=live, access_enabled=access_enabled,
                      credit_limit=Decimal(str(credit_limit)) if credit_limit is not None else None)
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
    return LedgerEntry.objects.create(partner=locked, kind=LedgerEntry.Kind.PAYMENT, amount=-amount,
                                      balance_after=locked.balance, note=note, created_by=by)


# --- jobs through the API --------------------------------------------------------------------
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


def _credit_snapshot(partner: Partner) -> tuple[Partner, Decimal]:
    """The partner's credit settings, balance and ledger total, read in one statement (no lock)."""
    try:
        row = Partner.objects.annotate(
            ledger_total=Coalesce(Sum("ledger__amount"), Value(Decimal("0")), output_field=MONEY)
        ).get(pk=partner.pk)
    except DatabaseError as exc:
        logger.exception("credit of partner %s could not be read", partner.pk)
        raise _refused("credit_limit_undetermined", "unavailable") from exc
    return row, row.ledger_total


def _locked_credit(partner: Partner) -> tuple[Partner, Decimal]:
    """The partner row locked (concurrent jobs cannot both spend the last credit) and its ledger total."""
    try:
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        return locked, selectors.ledger_total(locked)
    except DatabaseError as exc:
        logger.exception("credit of partner %s could not be locked", partner.pk)
        raise _refused("credit_limit_undetermined", "unavailable") from exc


def _balance_after_charge(partner: Partner, ledger_total: Decimal, price: Decimal) -> Decimal:
    """The balance once ``price`` is charged, or the documented credit error."""
    if partner.credit_limit is None:
        raise _refused("credit_limit_unavailable", "unavailable")
    if ledger_total != partner.balance:
        # The cached balance and the ledger disagree: refuse to guess which one is right.
        logger.error("partner %s balance %s does not match its ledger %s", partner.pk, partner.balance, ledger_total)
        raise _refused("credit_limit_undetermined", "unavailable")
    after = partner.balance + price
    if partner.balance >= partner.credit_limit or after > partner.credit_limit:
        raise _refused("credit_limit_reached", "payment_required")
    return after


def _credit_notices(partner: Partner, balance: Decimal) -> list[dict]:
    limit = partner.credit_limit
    if limit and balance * 100 >= limit * partner.notice_threshold:
        return [notice(CREDIT_BALANCE_APPROACHING_LIMIT)]
    return []


def create_job(partner: Partner, request: JobRequest, *, live: bool, actor: str) -> JobCreation:
    """Check everything a job needs; in live mode create it, store its script file and charge its price."""
    program = selectors.program_for(partner, request.program_id)
    if program is None:
        raise _refused("program_not_associated", "forbidden")
    talent = selectors.talent_in_partner_programs(partner, request.talent_id)
    if talent is None:
        raise _refused("talent_not_associated", "forbidden")
    if not _program_is_open(program):
        raise _refused("program_not_active", "conflict")
    if not live:
        current, ledger_total = _credit_snapshot(partner)
        balance = _balance_after_charge(current, ledger_total, program.unit_price)
        return JobCreation(None, _credit_notices(current, balance))

    # The script is stored inside the transaction; if the job's rows are not committed it goes too.
    with removed_on_failure() as stored_keys:
        try:
            with transaction.atomic():
                locked, ledger_total = _locked_credit(partner)
                balance = _balance_after_charge(locked, ledger_total, program.unit_price)
                try:
                    job = Job.objects.create(program=program, talent=talent, sample_script=request.sample_script,
                                             job_description=request.job_description)
                    if program.unit_price > 0:
                        LedgerEntry.objects.create(partner=locked, kind=LedgerEntry.Kind.CHARGE,
                                                   amount=program.unit_price, balance_after=balance, job=job,
                                                   note=f"job {job.pk}")
                        locked.balance = balance
                        locked.save(update_fields=["balance", "updated"])
                    JobEvent.objects.create(job=job, kind=JobEvent.Kind.CREATED, actor=actor)
                    if request.script_file is not None:
                        stored = _put_script(partner, request)
                        stored_keys.append(stored.key)
                        _attach_script(job, stored.key, request)
                except (DatabaseError, *STORAGE_ERRORS) as exc:
                    logger.exception("job for partner %s program %s could not be created", partner.pk, program.pk)
                    raise _refused("job_not_created", "conflict") from exc
        except DatabaseError as exc:
            logger.exception("job for partner %s program %s could not be committed", partner.pk, program.pk)
            raise _refused("job_not_created", "conflict") from exc
    logger.info("partner %s created job %s in program %s", partner.pk, job.pk, program.pk)
    return JobCreation(job, _credit_notices(locked, balance))


def _put_script(partner: Partner, request: JobRequest):
    kind = request.script_type
    return object_storage.put(new_key(f"partners/{partner.pk}/scripts", kind.extension), request.script_file,
                              kind.content_type)


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
        raise _refused("job_not_associated", "forbidden")
    return job


def _check_approvable(job: Job) -> None:
    if job.status != Job.Status.ASSIGNED or not job.delivered_file_key:
        raise _refused("approval_unsuccessful", "conflict")


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
        raise _refused("edit_notes_required", "invalid")
    if job.status == Job.Status.APPROVED:
        raise _refused("job_approved_no_edits", "conflict")
    if job.edit_count >= job.program.max_edits:
        raise _refused("max_edits_reached", "conflict")
    if job.status != Job.Status.ASSIGNED or not job.delivered_file_key:
        # Nothing delivered since the job was created or since the last edit request.
        raise _refused("edit_unsuccessful", "conflict")


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
            background.start_job("partners.edit_limit_email", "partners.notify_edit_limit",
                                 subject=f"partner-job:{job.pk}", payload={"job_id": job.pk})
    logger.info("partner %s requested edit %s of job %s", partner.pk, job.edit_count, job.pk)
    return job


def run_edit_limit_notification(background_job_id) -> None:
    """Email the program manager that a job passed the program's edit limit."""

    def work(ctx: background.JobContext):
        job = Job.objects.select_related("program__partner", "talent").get(pk=ctx.job.payload["job_id"])
        context = {"job": job, "program": job.program, "partner": job.program.partner,
                   "base_url": settings.PUBLIC_BASE_URL}
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
            JobEvent.objects.create(job=job, kind=JobEvent.Kind.MANAGER_NOTIFIED,
                                    notes=f"Emailed {job.program.manager_email}", actor="system")
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


def _audio_limits(formats) -> AudioLimits:
    return AudioLimits(settings.PARTNERS_AUDIO_MAX_BYTES, settings.PARTNERS_AUDIO_MAX_SECONDS, formats)


def deliver_file(job: Job, fileobj, filename: str, *, by) -> Job:
    """Attach the recorded file; the job waits for the partner's approval or edit request."""
    if job.status == Job.Status.APPROVED:
        raise DomainError("conflict", "The job is approved; its file cannot be replaced.")
    if job.status == Job.Status.NEW:
        raise DomainError("conflict", "Assign a talent before delivering a file.")
    with audio_intake(fileobj, _audio_limits(DELIVERY_FORMATS), f"partners/{job.program.partner_id}/deliveries"
                      ) as accepted, transaction.atomic():
        stored, info = accepted.stored, accepted.info
        locked = Job.objects.select_for_update().get(pk=job.pk)
        previous = locked.delivered_file_key
        locked.delivered_file_key = stored.key
        locked.delivered_file_name = Path(filename or "").name[:255] or f"delivery.{info.format}"
        locked.delivered_content_type = info.content_type
        locked.status = Job.Status.ASSIGNED
        locked.save(update_fields=["delivered_file_key", "delivered_file_name", "delivered_content_type",
                                   "status", "updated"])
        JobEvent.objects.create(job=locked, kind=JobEvent.Kind.DELIVERED, notes=locked.delivered_file_name,
                                actor=str(by or ""))
        _announce_delivery(locked)
        schedule_storage_cleanup([previous], subject=f"partner-job:{job.pk}")
    return locked


def _announce_delivery(job: Job) -> None:
    """The recorded file is the job's result: partners hear job.succeeded (state "delivered")."""
    path = f"/{settings.PARTNERS_URL_PREFIX}jobs/{job.pk}"
    subject = JobSubject("partners", "job", str(job.pk), path, partner_id=job.program.partner_id,
                         result_paths={"job": path})
    announce(subject, JOB_SUCCEEDED, state="delivered")


def add_demo(talent: Talent, fileobj, *, title: str, tags: list[str]) -> Demo:
    """Store a demo recording after checking by content that it is audio of an accepted format."""
    with audio_intake(fileobj, _audio_limits(DEMO_FORMATS), f"partners/talents/{talent.pk}/demos"
                      ) as accepted, transaction.atomic():
        stored = accepted.stored
        return Demo.objects.create(talent=talent, title=title or "Demo", tags=tags, audio_key=stored.key,
                                   content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                                   duration=accepted.info.duration)


@transaction.atomic
def delete_talent(talent: Talent) -> None:
    """Delete a talent with its demos and avatar; a talent with jobs is protected by the database."""
    keys = [talent.avatar_key, *talent.demos.values_list("audio_key", flat=True)]
    talent.delete()
    schedule_storage_cleanup(keys, subject=f"partner-talent:{talent.public_id}")


@transaction.atomic
def delete_demo(demo: Demo) -> None:
    key = demo.audio_key
    demo.delete()
    schedule_storage_cleanup([key], subject=f"partner-demo:{demo.public_id}")


def set_avatar(talent: Talent, fileobj) -> Talent:
    try:
        image = images.clean(fileobj)
    except MediaError as exc:
        raise DomainError("invalid", str(exc)) from exc
    stored = object_storage.put_bytes(new_key(f"partners/talents/{talent.pk}/avatar", image.extension), image.data,
                                      image.content_type)
    with transaction.atomic():
        locked = Talent.objects.select_for_update().get(pk=talent.pk)
        previous = locked.avatar_key
        locked.avatar_key = stored.key
        locked.avatar_content_type = image.content_type
        locked.save(update_fields=["avatar_key", "avatar_content_type", "updated"])
        schedule_storage_cleanup([previous], subject=f"partner-talent:{talent.pk}")
    return locked


# --- the audit log --------------------------------------------------------------------------------
def purge_audit_log(retention_days: int | None = None) -> int:
    """Delete audit entries older than the retention period (settings.PARTNERS_AUDIT_RETENTION_DAYS)."""
    days = settings.PARTNERS_AUDIT_RETENTION_DAYS if retention_days is None else retention_days
    deleted, _ = AuditLogEntry.objects.filter(created__lt=timezone.now() - timedelta(days=days)).delete()
    if deleted:
        logger.info("purged %s partner audit entries older than %s days", deleted, days)
    return deleted


def record_call(*, partner: Partner | None, api_key: PartnerApiKey | None, key_prefix: str, method: str,
                endpoint: str, mode: str, status: int, duration_ms: int) -> AuditLogEntry:
    # The path and key are the caller's text: PostgreSQL text cannot hold NUL (a request for
    # /programs/%00 is logged, not a 500).
    return AuditLogEntry.objects.create(partner=partner, api_key=api_key,
                                        key_prefix=key_prefix.replace("\x00", "\ufffd")[:16], method=method[:10],
                                        endpoint=endpoint.replace("\x00", "\ufffd")[:300], mode=mode,
                                        status=status, duration_ms=max(duration_ms, 0))
