"""The partners admin: Django imports this module only, so it imports each sub-domain's admin,
whose @admin.register decorators add its pages."""

from partners.account import admin as account_admin  # noqa: F401 - registers on import
from partners.jobs import admin as jobs_admin  # noqa: F401
from partners.programs import admin as programs_admin  # noqa: F401
from partners.talents import admin as talents_admin  # noqa: F401
