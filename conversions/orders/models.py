"""Conversion orders: one conversion of an original into a catalogue voice, with its charge and its job."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from conversions.catalogue.models import Accent, Calibration, NarrationStyle, Voice


class Order(models.Model):
    """One conversion of an original into a voice: its converted recording, its charge, its job."""

    class State(models.TextChoices):
        NEW = "new"
        PRE_PROCESSING = "pre_processing"
        PROCESSING = "processing"
        POST_PROCESSING = "post_processing"
        DONE = "done"
        ERROR = "error"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversion_orders")
    original = models.ForeignKey("conversions.Recording", on_delete=models.CASCADE, related_name="orders_as_original")
    conversion = models.OneToOneField("conversions.Recording", on_delete=models.CASCADE, related_name="order")
    voice = models.ForeignKey(Voice, null=True, on_delete=models.SET_NULL, related_name="orders")
    accent = models.ForeignKey(Accent, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    narration_style = models.ForeignKey(
        NarrationStyle, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    calibration = models.ForeignKey(
        Calibration, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    semitones_correction = models.FloatField(default=0.0)
    reference_f0 = models.FloatField(
        null=True, blank=True, help_text="The speaker's pitch the shift starts from (calibration or auto)."
    )
    f0 = models.FloatField(null=True, blank=True, help_text="The pitch the output sits at, Hz.")
    engine_params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.NEW, db_index=True)
    error = models.TextField(blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=2)
    transaction_id = models.UUIDField(default=uuid.uuid4, help_text="Names the current charge in the ledger.")
    retries = models.PositiveSmallIntegerField(default=0)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(cost__gt=0), name="conversions_order_cost_positive")]

    def __str__(self):
        return f"order {self.id} [{self.state}]"

    @property
    def charge_reference(self) -> str:
        return f"conversion-order:{self.transaction_id}"
