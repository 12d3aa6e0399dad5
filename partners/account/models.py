"""A partner's account: the partner (access, mode, credit limit and balance), its API keys, the
credit ledger and the audit log of its calls."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

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
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Outstanding balance allowed; empty means not set (jobs are refused with 141).",
    )
    notice_threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_NOTICE_THRESHOLD,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percent of the credit limit from which job creation answers notice 240.",
    )
    balance = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
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
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="partner_credit_limit_not_negative",
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
            models.UniqueConstraint(
                fields=["job"], condition=Q(kind="charge"), name="partner_ledger_one_charge_per_job"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} ({self.partner})"


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
