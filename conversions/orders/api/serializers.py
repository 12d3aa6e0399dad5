"""Request and response shapes of the order endpoints (the gateway schema's)."""

from rest_framework import serializers

from conversions.catalogue.models import SEMITONES_CORRECTION_LIMIT
from conversions.library.api.serializers import RecordingOut
from core.serializers import ModelSerializer

from ..models import Order

MAX_CONVERSIONS_PER_ORDER = 20


class OrderConversionInput(serializers.Serializer):
    voice_id = serializers.UUIDField()
    narration_style_id = serializers.UUIDField(required=False, allow_null=True)
    accent_id = serializers.UUIDField(required=False, allow_null=True)
    semitones_correction = serializers.FloatField(
        required=False, allow_null=True, min_value=-SEMITONES_CORRECTION_LIMIT, max_value=SEMITONES_CORRECTION_LIMIT
    )
    label = serializers.CharField(required=False, allow_blank=True, max_length=40)


class OrderInput(serializers.Serializer):
    original_id = serializers.UUIDField()
    conversions = OrderConversionInput(many=True, allow_empty=False, max_length=MAX_CONVERSIONS_PER_ORDER)
    calibration_id = serializers.UUIDField(required=False, allow_null=True)
    use_calibration = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if attrs["use_calibration"] and not attrs.get("calibration_id"):
            raise serializers.ValidationError({"calibration_id": ["Required when use_calibration is true."]})
        return attrs


class OrderOutput(ModelSerializer):
    user_id = serializers.UUIDField()
    original_id = serializers.UUIDField()
    conversion_id = serializers.UUIDField()
    calibration_id = serializers.UUIDField(allow_null=True)
    tracking_id = serializers.UUIDField(source="job_id", allow_null=True)
    moderation_id = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "user_id",
            "original_id",
            "conversion_id",
            "transaction_id",
            "moderation_id",
            "calibration_id",
            "tracking_id",
            "f0",
            "state",
            "created_at",
            "closed_at",
            "error",
        ]

    def get_moderation_id(self, order) -> str | None:
        # Originals are not moderated here; the field is part of the gateway's shape.
        return None

    def get_error(self, order) -> str | None:
        return order.error or None


class OrderDetailOutput(OrderOutput):
    """An order read back: the OrderResponse, its job's progress and its converted recording."""

    progress = serializers.SerializerMethodField()
    conversion = RecordingOut()

    class Meta(OrderOutput.Meta):
        fields = [*OrderOutput.Meta.fields, "progress", "conversion"]

    def get_progress(self, order) -> int:
        if order.state == Order.State.DONE:
            return 100
        return order.job.progress if order.job_id and order.job else 0
