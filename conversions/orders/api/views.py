"""HTTP of conversion orders: parse, call a service or selector, render."""

from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.dialects import CONVERSIONS, ApiError, DialectResponse, DialectView
from core.parsers import JSONParser
from core.serializers import validated

from .. import selectors, services
from .serializers import OrderDetailOutput, OrderInput, OrderOutput


class OrderCreateView(DialectView):
    cost_scopes = {"POST": "media_job"}
    idempotent_post = True
    dialect = CONVERSIONS
    parser_classes = [JSONParser]
    error_statuses = ("402",)

    @extend_schema(
        tags=["orders"], request=OrderInput, responses=OrderOutput(many=True), summary="Conversion Order Create"
    )
    def post(self, request):
        data = validated(OrderInput, request.data)
        orders = services.create_orders(
            request.user,
            original_id=data["original_id"],
            conversions=data["conversions"],
            calibration_id=data.get("calibration_id"),
            use_calibration=data["use_calibration"],
        )
        return DialectResponse(OrderOutput(orders, many=True).data)


class OrderRetryView(DialectView):
    cost_scopes = {"POST": "media_job"}
    idempotent_post = True
    dialect = CONVERSIONS
    error_statuses = ("402",)

    @extend_schema(
        tags=["orders"],
        request=None,
        summary="Conversion Order Retry",
        description="A conversion's id retries that conversion (one OrderResponse); an original's id retries "
        "its failed conversions (a list of OrderResponse, as POST /api/v2/orders answers).",
        parameters=[OpenApiParameter("recording_id", str, OpenApiParameter.PATH)],
        responses={
            200: {
                "oneOf": [
                    {"$ref": "#/components/schemas/OrderOutput"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/OrderOutput"}},
                ]
            }
        },
    )
    def post(self, request, recording_id):
        orders, by_original = services.retry_orders(request.user, recording_id)
        if by_original:
            return DialectResponse(OrderOutput(orders, many=True).data)
        return DialectResponse(OrderOutput(orders[0]).data)


class OrderDetailView(DialectView):
    dialect = CONVERSIONS

    @extend_schema(
        tags=["orders"],
        responses=OrderDetailOutput,
        summary="Conversion Order Get",
        parameters=[OpenApiParameter("order_id", str, OpenApiParameter.PATH)],
    )
    def get(self, request, order_id):
        order = selectors.order_for_user(request.user, order_id)
        if order is None:
            raise ApiError("not_found", message="Order not found")
        return DialectResponse(OrderDetailOutput(order).data)
