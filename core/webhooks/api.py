"""Webhook endpoints over HTTP, for users (/api/v1/webhooks) and, through the same views with
another owner and dialect, for partners (/v4/partners/webhooks, partners/webhook_views.py).

A view answers only for the caller's own endpoints: anyone else's is 404.
"""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from ..dialects import STAMPS, DialectResponse, DialectView
from ..models import WebhookDelivery, WebhookEndpoint
from ..parsers import JSONParser
from ..serializers import ModelSerializer, RequestBody
from . import endpoints
from .events import EVENT_TYPES

TAGS = ["Webhooks"]
DELIVERY_DESCRIPTION = """Events `job.succeeded` and `job.failed` of your jobs are POSTed to `url` as JSON:
`{"type", "timestamp", "data": {"api", "object": {"type", "id", "url"}, "state", "error", "results", "job":
{"id", "kind", "request_id"}}}`, with the Standard Webhooks headers `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the
base64-decoded part of `secret` after `whsec_`. Answer 2xx; other answers are retried for about a day,
then the endpoint is disabled and you are emailed. Only public https URLs are accepted."""


# --- input ------------------------------------------------------------------------------------
class EndpointCreateIn(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES), min_length=1, max_length=10)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class EndpointUpdateIn(RequestBody):
    url = serializers.URLField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), min_length=1, max_length=10, required=False
    )
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)


class PartnerEndpointCreateIn(EndpointCreateIn):
    contact_email = serializers.EmailField(help_text="Told when the endpoint is disabled after failed deliveries.")


class PartnerEndpointUpdateIn(EndpointUpdateIn):
    contact_email = serializers.EmailField(required=False)


# --- output -----------------------------------------------------------------------------------
class EndpointOut(ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "description", "enabled", "disabled_reason", "created_at", "updated_at"]


class EndpointWithSecretOut(EndpointOut):
    class Meta(EndpointOut.Meta):
        fields = [*EndpointOut.Meta.fields, "secret"]


class PartnerEndpointOut(EndpointOut):
    class Meta(EndpointOut.Meta):
        fields = [*EndpointOut.Meta.fields, "contact_email"]


class PartnerEndpointWithSecretOut(PartnerEndpointOut):
    class Meta(PartnerEndpointOut.Meta):
        fields = [*PartnerEndpointOut.Meta.fields, "secret"]


class AttemptOut(serializers.Serializer):
    attempted_at = serializers.DateTimeField()
    response_status = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField()
    succeeded = serializers.BooleanField()
    error = serializers.CharField()


class DeliveryOut(ModelSerializer):
    attempt_log = AttemptOut(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "event_type",
            "state",
            "attempts",
            "next_attempt_at",
            "created_at",
            "finished_at",
            "payload",
            "attempt_log",
        ]


# --- views ------------------------------------------------------------------------------------
class _OwnedEndpoints:
    """The caller's endpoints: users own theirs by ``user``; the partner views own by ``partner``."""

    create_in = EndpointCreateIn
    update_in = EndpointUpdateIn
    endpoint_out = EndpointOut
    endpoint_with_secret_out = EndpointWithSecretOut

    def owner(self, request) -> dict:
        return {"user": request.user}

    def endpoints(self):
        return WebhookEndpoint.objects.filter(**self.owner(self.request))

    def endpoint(self, endpoint_id) -> WebhookEndpoint:
        endpoint = self.endpoints().filter(pk=_uuid_or_404(endpoint_id)).first()
        if endpoint is None:
            raise Http404
        return endpoint


def _uuid_or_404(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


class WebhookListView(_OwnedEndpoints, DialectView):
    dialect = STAMPS
    parser_classes = [JSONParser]
    paginated = True

    @extend_schema(tags=TAGS, responses=EndpointOut(many=True), summary="List webhook endpoints")
    def get(self, request):
        return self.paginate(
            self.endpoints().order_by("-created_at"), lambda rows: self.endpoint_out(rows, many=True).data
        )

    @extend_schema(
        tags=TAGS,
        request=EndpointCreateIn,
        responses={201: EndpointWithSecretOut},
        summary="Create a webhook endpoint (the secret is shown here and on rotation only)",
        description=DELIVERY_DESCRIPTION,
    )
    def post(self, request):
        data = self.create_in(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = endpoints.create_endpoint(**self.owner(request), **data.validated_data)
        return DialectResponse(self.endpoint_with_secret_out(endpoint).data, status=201)


class WebhookDetailView(_OwnedEndpoints, DialectView):
    dialect = STAMPS
    parser_classes = [JSONParser]

    @extend_schema(tags=TAGS, responses=EndpointOut, summary="A webhook endpoint")
    def get(self, request, endpoint_id):
        return DialectResponse(self.endpoint_out(self.endpoint(endpoint_id)).data)

    @extend_schema(
        tags=TAGS,
        request=EndpointUpdateIn,
        responses=EndpointOut,
        summary="Change a webhook endpoint (enabled: true turns a disabled one back on)",
    )
    def patch(self, request, endpoint_id):
        endpoint = self.endpoint(endpoint_id)
        data = self.update_in(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = endpoints.update_endpoint(endpoint, **data.validated_data)
        return DialectResponse(self.endpoint_out(endpoint).data)

    @extend_schema(tags=TAGS, request=None, responses={204: None}, summary="Delete a webhook endpoint")
    def delete(self, request, endpoint_id):
        endpoints.delete_endpoint(self.endpoint(endpoint_id))
        return DialectResponse(status=204)


class WebhookRotateSecretView(_OwnedEndpoints, DialectView):
    dialect = STAMPS

    @extend_schema(
        tags=TAGS,
        request=None,
        responses=EndpointWithSecretOut,
        summary="Replace the signing secret (the old one stops signing at once)",
    )
    def post(self, request, endpoint_id):
        endpoint = endpoints.rotate_secret(self.endpoint(endpoint_id))
        return DialectResponse(self.endpoint_with_secret_out(endpoint).data)


class WebhookDeliveriesView(_OwnedEndpoints, DialectView):
    dialect = STAMPS
    paginated = True

    @extend_schema(
        tags=TAGS,
        responses=DeliveryOut(many=True),
        summary="Deliveries to an endpoint, newest first, each with its attempts",
    )
    def get(self, request, endpoint_id):
        endpoint = self.endpoint(endpoint_id)
        deliveries = endpoint.deliveries.prefetch_related("attempt_log").order_by("-created_at")
        return self.paginate(deliveries, lambda rows: DeliveryOut(rows, many=True).data)
