"""A partner's programs."""

from django.db import models
from django.db.models import F, Q

from partners.account.models import Partner
from partners.talents.models import Talent


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
