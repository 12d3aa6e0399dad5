"""/v4/partners/webhooks: a partner's own webhook endpoints, keyed by its X-API-KEY.

The same views as the users' (core/webhooks/api.py), owned by the partner and answered in the
Partner API's dialect. Endpoints are configuration, so they are saved in test mode too.
"""

from drf_spectacular.utils import extend_schema

from core.dialects import DialectResponse
from core.webhooks import api

from partners.api_base import PartnerView

TAGS = ["Partner webhooks"]


class _PartnerEndpoints:
    create_in = api.PartnerEndpointCreateIn
    update_in = api.PartnerEndpointUpdateIn
    endpoint_out = api.PartnerEndpointOut
    endpoint_with_secret_out = api.PartnerEndpointWithSecretOut

    def owner(self, request) -> dict:
        return {"partner": request.partner}


class PartnerWebhookListView(_PartnerEndpoints, PartnerView, api.WebhookListView):
    paginated = False

    @extend_schema(tags=TAGS, responses=api.PartnerEndpointOut(many=True), summary="List webhook endpoints")
    def get(self, request):
        return DialectResponse(self.endpoint_out(self.endpoints().order_by("-created_at"), many=True).data)

    @extend_schema(
        tags=TAGS,
        request=api.PartnerEndpointCreateIn,
        responses={201: api.PartnerEndpointWithSecretOut},
        summary="Create a webhook endpoint (the secret is shown here and on rotation only)",
        description=api.DELIVERY_DESCRIPTION + " For partners, `job.succeeded` is sent when a talent "
        "delivers a job's file (`state: delivered`).",
    )
    def post(self, request):
        return super().post(request)


class PartnerWebhookDetailView(_PartnerEndpoints, PartnerView, api.WebhookDetailView):
    @extend_schema(tags=TAGS, responses=api.PartnerEndpointOut, summary="A webhook endpoint")
    def get(self, request, endpoint_id):
        return super().get(request, endpoint_id)

    @extend_schema(
        tags=TAGS,
        request=api.PartnerEndpointUpdateIn,
        responses=api.PartnerEndpointOut,
        summary="Change a webhook endpoint",
    )
    def patch(self, request, endpoint_id):
        return super().patch(request, endpoint_id)

    @extend_schema(tags=TAGS, request=None, responses={204: None}, summary="Delete a webhook endpoint")
    def delete(self, request, endpoint_id):
        return super().delete(request, endpoint_id)


class PartnerWebhookRotateSecretView(_PartnerEndpoints, PartnerView, api.WebhookRotateSecretView):
    @extend_schema(
        tags=TAGS, request=None, responses=api.PartnerEndpointWithSecretOut, summary="Replace the signing secret"
    )
    def post(self, request, endpoint_id):
        return super().post(request, endpoint_id)


class PartnerWebhookDeliveriesView(_PartnerEndpoints, PartnerView, api.WebhookDeliveriesView):
    paginated = False

    @extend_schema(
        tags=TAGS, responses=api.DeliveryOut(many=True), summary="The latest 100 deliveries, each with its attempts"
    )
    def get(self, request, endpoint_id):
        endpoint = self.endpoint(endpoint_id)
        deliveries = endpoint.deliveries.prefetch_related("attempt_log").order_by("-created_at")[:100]
        return DialectResponse(api.DeliveryOut(deliveries, many=True).data)
