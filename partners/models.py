"""The Voices.com partner program: partners and their keys, the credit ledger,
programs, talents with demos, jobs with their history, and the audit log of calls."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.keys import HashedKey

DEFAULT_NOTICE_THRESHOLD = 80


class Partner(models.Model):
    """A company calling the Partner API. Starts in test mode, without access, without a credit limit."""

    name = models.CharField(max_length=200)
    access_enabled = models.BooleanField(
        default=False, help_text="Partner Program access; a known key without it is answered 401."
    )
    is_live = models.BooleanField(
        default=False, help_text="Live mode saves writes; in test mode they are validated and discarded."
    )
    credit_limit = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True,
        help_text="Outstanding balance allowed; empty means not set (jobs are refused with 141).",
    )
    notice_threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_NOTICE_THRESHOLD,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percent of the credit limit from which job creation answers notice 240.",
    )
    balance = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), editable=False,
        help_text="Outstanding credit used; changed only through the ledger.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(notice_threshold__gte=1) & Q(notice_threshold__lte=100),
                name="partner_notice_threshold_percent",
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0), name="partner_credit_limit_not_negative"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def mode(self) -> str:
        return "live" if self.is_live else "test"


class PartnerApiKey(HashedKey):
    """An X-API-KEY. Only the SHA-256 of the secret is kept; the prefix finds the row (core.keys)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "partner API key"

    def __str__(self):
        return f"{self.prefix}… ({self.partner})"


class LedgerEntry(models.Model):
    """One movement of a partner's outstanding balance: a job's charge, a payment, an adjustment."""

    class Kind(models.TextChoices):
        CHARGE = "charge"
        PAYMENT = "payment"
        ADJUSTMENT = "adjustment"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="ledger")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Signed change of the balance (a payment is negative)."
    )
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    job = models.ForeignKey("Job", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries")
    note = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="partner_ledger_amount_not_zero"),
            # A job is charged once, whatever retries happen.
            models.UniqueConstraint(fields=["job"], condition=Q(kind="charge"), name="partner_ledger_one_charge_per_job"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} ({self.partner})"


class Talent(models.Model):
    """A voice actor who can be booked through programs."""

    class Gender(models.TextChoices):
        FEMALE = "female"
        MALE = "male"
        NON_BINARY = "non-binary"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    gender = models.CharField(max_length=12, choices=Gender.choices)
    languages = models.JSONField(default=list, blank=True, help_text='Language names, e.g. ["English", "French"].')
    feedback = models.TextField(blank=True, help_text="Reviews of the talent's work.")
    avatar_key = models.CharField(max_length=300, blank=True, editable=False)
    avatar_content_type = models.CharField(max_length=50, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Demo(models.Model):
    """A talent's demo recording, played by the embeddable player pages."""

    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="demos")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    tags = models.JSONField(default=list, blank=True)
    audio_key = models.CharField(max_length=300)
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    duration = models.FloatField(help_text="Seconds, measured by ffprobe.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["talent_id", "id"]

    def __str__(self):
        return f"{self.title} ({self.talent})"


class Program(models.Model):
    """A partner's program: the price of a job, its dates, the edit rules and the talents it books."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, help_text="Charged for each job created.")
    start_date = models.DateField()
    end_date = models.DateField()
    edit_limit = models.PositiveSmallIntegerField(
        default=2, help_text="When a job's edit count exceeds this, the program manager is emailed (once)."
    )
    max_edits = models.PositiveSmallIntegerField(default=5, help_text="Edit requests allowed per job.")
    manager_email = models.EmailField(help_text="The program manager, emailed about jobs past the edit limit.")
    is_active = models.BooleanField(default=True)
    talents = models.ManyToManyField(Talent, blank=True, related_name="programs")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="program_dates_ordered"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="program_unit_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.partner})"


class Job(models.Model):
    """A recording job a partner orders in one of its programs."""

    class Status(models.TextChoices):
        NEW = "new"
        ASSIGNED = "assigned"
        EDIT = "edit"
        APPROVED = "approved"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="jobs")
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="jobs")
    sample_script = models.TextField(blank=True)
    script_file_key = models.CharField(max_length=300, blank=True, editable=False)
    script_file_name = models.CharField(max_length=255, blank=True, editable=False)
    script_file_type = models.CharField(max_length=100, blank=True, editable=False)
    job_description = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    edit_count = models.PositiveSmallIntegerField(default=0)
    edit_notes = models.TextField(blank=True, help_text="The notes of the latest edit request.")
    delivered_file_key = models.CharField(max_length=300, blank=True, editable=False)
    delivered_file_name = models.CharField(max_length=255, blank=True, editable=False)
    delivered_content_type = models.CharField(max_length=50, blank=True, editable=False)
    manager_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the manager was told the edit limit was passed."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "partner job"
        indexes = [models.Index(fields=["program", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | ~Q(delivered_file_key=""), name="partner_job_approved_has_file"
            ),
        ]

    def __str__(self):
        return f"Job {self.pk} ({self.program.name})"


class JobEvent(models.Model):
    """The history of a job: creation, assignment, deliveries, edit requests with their notes, approval."""

    class Kind(models.TextChoices):
        CREATED = "created"
        ASSIGNED = "assigned"
        DELIVERED = "delivered"
        EDIT_REQUESTED = "edit_requested"
        APPROVED = "approved"
        MANAGER_NOTIFIED = "manager_notified"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    notes = models.TextField(blank=True)
    actor = models.CharField(max_length=200, blank=True, help_text="The partner key prefix or the staff email.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self):
        return f"{self.kind} on job {self.job_id}"


class AuditLogEntry(models.Model):
    """One call to the Partner API: which key, which endpoint, in which mode, with which status."""

    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    api_key = models.ForeignKey(PartnerApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    key_prefix = models.CharField(max_length=16, blank=True, help_text="As presented, also for unknown keys.")
    method = models.CharField(max_length=10)
    endpoint = models.CharField(max_length=300)
    mode = models.CharField(max_length=4)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"

    def __str__(self):
        return f"{self.method} {self.endpoint} {self.status}"
