"""Every model of the partners app, re-exported by name from its sub-domain package, so that
Django registers them all when it loads the app and ``from partners.models import X`` works."""

from partners.account.models import AuditLogEntry, LedgerEntry, Partner, PartnerApiKey
from partners.jobs.models import Job, JobEvent
from partners.programs.models import Program
from partners.talents.models import Demo, Talent

__all__ = [
    "AuditLogEntry",
    "Demo",
    "Job",
    "JobEvent",
    "LedgerEntry",
    "Partner",
    "PartnerApiKey",
    "Program",
    "Talent",
]
