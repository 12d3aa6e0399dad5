import uuid

from django.conf import settings
from django.db import models


class Job(models.Model):
    """A unit of background work and its progress, shown by each API in its own words.

    Domain rows point at their Job; the sweeper only needs this table to find work
    that stopped making progress.
    """

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=100, db_index=True)
    task_name = models.CharField(max_length=200)
    subject = models.CharField(max_length=100, blank=True, help_text="The domain object the job works on.")
    payload = models.JSONField(default=dict, blank=True, help_text="Parameters of the work (ids, not data).")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The user whose request started the job: their queued and running jobs are capped.",
    )
    request_id = models.CharField(
        max_length=128, blank=True, db_index=True, help_text="X-Request-ID of the HTTP call that started the job."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the task message reached the broker; empty means the sweeper sends it."
    )
    # The lease: one runner at a time. A claim bumps lease_token (the fencing token); every
    # write of a result checks it, so a runner whose lease was taken over cannot write.
    lease_owner = models.CharField(max_length=200, blank=True, help_text="host:pid of the process running the job.")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.PositiveIntegerField(default=0)
    # Outputs are stored under a prefix of the attempt's own (JobContext.output_prefix) and are
    # nobody's until the attempt records them: a prefix left here was never recorded and is swept.
    output_prefix = models.CharField(
        max_length=300,
        blank=True,
        help_text="Storage prefix of outputs written but not yet recorded; removed when the attempt ends without them.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "heartbeat_at"]),
            # The sweeper looks for the few jobs with unrecorded outputs among all the finished ones.
            models.Index(
                fields=["output_prefix"], condition=~models.Q(output_prefix=""), name="job_unrecorded_outputs"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_at_most_100"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject} [{self.state} {self.progress}%]"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)


class IdempotencyRecord(models.Model):
    """One Idempotency-Key of one caller: the request's fingerprint and, once done, its response.

    ``status`` is null while the first request is running (a second one gets 409). Rows
    older than IDEMPOTENCY_KEY_TTL are purged by beat (``core.purge_idempotency_records``).
    """

    scope = models.CharField(max_length=100, help_text="The caller: user:<id> or partner-key:<id>.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and parsed body.")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique_per_caller")]

    def __str__(self):
        return f"{self.scope} {self.key} -> {self.status or 'in flight'}"


class WebhookEndpoint(models.Model):
    """Where a user or a partner wants to hear about their finished jobs (Standard Webhooks).

    Exactly one owner: a user (the /api/v1/webhooks API) or a partner (its X-API-KEY API).
    """

    class Event(models.TextChoices):
        JOB_SUCCEEDED = "job.succeeded"
        JOB_FAILED = "job.failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField("URL", max_length=2000)
    description = models.CharField(max_length=255, blank=True)
    events = models.JSONField(default=list, help_text="Event types delivered to this endpoint.")
    secret = models.CharField(max_length=100, help_text="whsec_ + base64 of 32 random bytes; signs every delivery.")
    contact_email = models.EmailField(
        blank=True,
        help_text="Told when the endpoint is disabled (partners); users are told at their account's address.",
    )
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(partner__isnull=True))
                | (models.Q(user__isnull=True) & models.Q(partner__isnull=False)),
                name="webhook_endpoint_one_owner",
            ),
        ]

    def __str__(self):
        return f"{self.url} ({self.user or self.partner})"


class WebhookDelivery(models.Model):
    """One event message to one endpoint: its payload, its state and, in attempts, each try."""

    class State(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=60, help_text="webhook-id: the same on every attempt, new on a re-send.")
    event_type = models.CharField(max_length=50)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.event_type} -> {self.endpoint.url} [{self.state}]"


class WebhookAttempt(models.Model):
    """One HTTP try of a delivery: the answer's status (none when no answer), how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["attempted_at", "id"]
