"""Program routes (partners/urls.py mounts them)."""

from . import views

ROUTES = [
    ("programs", views.ProgramListView, "programs"),
    ("programs/<id:program_id>", views.ProgramDetailView, "program"),
]
