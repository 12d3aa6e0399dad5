"""Jobs and their history."""

from django.db import models
from django.db.models import Q

from partners.programs.models import Program
from partners.talents.models import Talent


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
