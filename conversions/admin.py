"""The conversions admin: Django imports this module only, so it imports each sub-domain's admin,
whose @admin.register decorators add its pages."""

from conversions.catalogue import admin as catalogue_admin  # noqa: F401 - registers on import
from conversions.library import admin as library_admin  # noqa: F401
from conversions.orders import admin as orders_admin  # noqa: F401
