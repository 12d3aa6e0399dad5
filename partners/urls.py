"""The Partner API v4, mounted at settings.PARTNERS_URL_PREFIX (default /v4/partners/)."""

from django.urls import path

from . import views, webhook_views

app_name = "partners"

API = [
    ("programs", views.ProgramListView, "programs"),
    ("programs/<id:program_id>", views.ProgramDetailView, "program"),
    ("programs/<id:program_id>/jobs", views.ProgramJobsView, "program-jobs"),
    ("programs/<id:program_id>/talents", views.ProgramTalentsView, "program-talents"),
    ("jobs", views.JobCreateView, "jobs"),
    ("jobs/<id:job_id>", views.JobDetailView, "job"),
    ("jobs/<id:job_id>/approveFile", views.JobApproveView, "job-approve"),
    ("jobs/<id:job_id>/editFile", views.JobEditView, "job-edit"),
    ("talents/<id:talent_id>", views.TalentDetailView, "talent"),
    ("webhooks", webhook_views.PartnerWebhookListView, "webhooks"),
    ("webhooks/<str:endpoint_id>", webhook_views.PartnerWebhookDetailView, "webhook"),
    ("webhooks/<str:endpoint_id>/rotate-secret", webhook_views.PartnerWebhookRotateSecretView, "webhook-rotate-secret"),
    ("webhooks/<str:endpoint_id>/deliveries", webhook_views.PartnerWebhookDeliveriesView, "webhook-deliveries"),
]

urlpatterns = [path(route, view.as_view(), name=name) for route, view, name in API]
# Clients write trailing slashes too; those routes answer the same but stay out of the OpenAPI schema.
urlpatterns += [path(f"{route}/", view.as_view(schema=None)) for route, view, _ in API]
urlpatterns += [
    # Public pages behind the talent_url, avatar, audio_url and player URLs.
    path("p/talents/<uuid:public_id>", views.talent_page, name="talent-page"),
    path("p/talents/<uuid:public_id>/avatar", views.talent_avatar, name="talent-avatar"),
    path("p/demos/<uuid:public_id>/audio", views.demo_audio, name="demo-audio"),
    path("p/demos/<uuid:public_id>/player/<slug:style>", views.demo_player, name="demo-player"),
]
