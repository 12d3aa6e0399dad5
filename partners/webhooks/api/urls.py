"""Webhook endpoint routes (partners/urls.py mounts them)."""

from . import views

ROUTES = [
    ("webhooks", views.PartnerWebhookListView, "webhooks"),
    ("webhooks/<str:endpoint_id>", views.PartnerWebhookDetailView, "webhook"),
    ("webhooks/<str:endpoint_id>/rotate-secret", views.PartnerWebhookRotateSecretView, "webhook-rotate-secret"),
    ("webhooks/<str:endpoint_id>/deliveries", views.PartnerWebhookDeliveriesView, "webhook-deliveries"),
]
