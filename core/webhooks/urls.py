"""/api/v1/webhooks: a user's webhook endpoints (every user credential: JWT, api-key, session)."""

from django.urls import path

from . import api

urlpatterns = [
    path("api/v1/webhooks", api.WebhookListView.as_view(), name="webhooks"),
    path("api/v1/webhooks/<str:endpoint_id>", api.WebhookDetailView.as_view(), name="webhook"),
    path(
        "api/v1/webhooks/<str:endpoint_id>/rotate-secret",
        api.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "api/v1/webhooks/<str:endpoint_id>/deliveries", api.WebhookDeliveriesView.as_view(), name="webhook-deliveries"
    ),
]
