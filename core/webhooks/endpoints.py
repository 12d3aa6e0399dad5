"""Endpoint services: what the user and partner APIs and the admin call to manage endpoints."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from ..dialects import ApiError
from ..models import WebhookEndpoint
from .delivery import DestinationRefused, check_url, new_secret
from .events import EVENT_TYPES


def _checked(url: str | None, events: list[str] | None) -> dict:
    fields = {}
    errors = {}
    if url is not None:
        try:
            check_url(url)
        except DestinationRefused as exc:
            errors["url"] = [str(exc)]
        fields["url"] = url
    if events is not None:
        unknown = sorted(set(events) - set(EVENT_TYPES))
        if unknown or not events:
            errors["events"] = [f"Choose from {', '.join(EVENT_TYPES)}."]
        fields["events"] = sorted(set(events))
    if errors:
        raise ApiError("validation", fields=errors)
    return fields


def create_endpoint(
    *, user=None, partner=None, url: str, events: list[str], description: str = "", contact_email: str = ""
) -> WebhookEndpoint:
    fields = _checked(url, events)
    owner = {"user": user} if user is not None else {"partner": partner}
    # Each endpoint multiplies every event: a cap keeps one account from fanning out thousands of calls.
    if WebhookEndpoint.objects.filter(**owner).count() >= settings.WEBHOOKS_MAX_ENDPOINTS:
        raise ApiError(
            "conflict",
            status=400,
            message=f"At most {settings.WEBHOOKS_MAX_ENDPOINTS} webhook endpoints; delete one first.",
        )
    return WebhookEndpoint.objects.create(
        user=user, partner=partner, description=description, contact_email=contact_email, secret=new_secret(), **fields
    )


@transaction.atomic
def update_endpoint(
    endpoint: WebhookEndpoint, *, url=None, events=None, description=None, enabled=None, contact_email=None
) -> WebhookEndpoint:
    fields = _checked(url, events)
    if description is not None:
        fields["description"] = description
    if contact_email is not None:
        fields["contact_email"] = contact_email
    if enabled is not None:
        fields["enabled"] = enabled
        if enabled:
            fields["disabled_reason"] = ""
    for name, value in fields.items():
        setattr(endpoint, name, value)
    if fields:
        endpoint.save(update_fields=[*fields, "updated_at"])
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    endpoint.delete()
