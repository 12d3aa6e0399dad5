from . import catalogue_admin, library_admin  # noqa: F401 - registers both halves
