"""Job routes (partners/urls.py mounts them)."""

from . import views

ROUTES = [
    ("programs/<id:program_id>/jobs", views.ProgramJobsView, "program-jobs"),
    ("jobs", views.JobCreateView, "jobs"),
    ("jobs/<id:job_id>", views.JobDetailView, "job"),
    ("jobs/<id:job_id>/approveFile", views.JobApproveView, "job-approve"),
    ("jobs/<id:job_id>/editFile", views.JobEditView, "job-edit"),
]
