"""Request and response shapes of the catalogue and calibration endpoints (the gateway schema's)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import GatewayUserOutput
from core.serializers import ModelSerializer, Serializer

from ..models import CALIBRATION_NAME_PATTERN, SEMITONES_CORRECTION_LIMIT, Calibration, Voice
from ..selectors import VOICE_SORTS


# --- calibrations ---------------------------------------------------------------------
class CalibrationInput(serializers.Serializer):
    name = serializers.RegexField(
        CALIBRATION_NAME_PATTERN,
        max_length=40,
        error_messages={"invalid": "Use letters, digits, spaces and dashes only."},
    )
    data = serializers.FileField(allow_empty_file=False)


class CalibrationRenameInput(serializers.Serializer):
    name = serializers.RegexField(
        CALIBRATION_NAME_PATTERN,
        max_length=40,
        error_messages={"invalid": "Use letters, digits, spaces and dashes only."},
    )


class CalibrationListQuery(Serializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=100)
    direction = serializers.ChoiceField(["asc", "desc"], default="desc")


class CalibrationOutput(ModelSerializer):
    user_id = serializers.UUIDField()
    key = serializers.CharField(source="audio_key")
    f0 = serializers.FloatField(allow_null=True)
    error = serializers.CharField(allow_null=True)

    class Meta:
        model = Calibration
        fields = [
            "id",
            "name",
            "user_id",
            "f0",
            "algorithm",
            "bucket",
            "key",
            "state",
            "error",
            "created_at",
            "calibrated_at",
            "enabled",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["error"] = instance.error or None
        data["algorithm"] = instance.algorithm or None
        return data


class CalibrationUserData(serializers.Serializer):
    calibration_id = serializers.UUIDField()
    f0 = serializers.FloatField()


class ProfileData(serializers.Serializer):
    calibration = CalibrationUserData(allow_null=True)


class ProfileOutput(GatewayUserOutput):
    """The gateway's User with ``data.calibration`` (null: auto calibration)."""

    data = serializers.SerializerMethodField()

    @extend_schema_field(ProfileData)
    def get_data(self, user):
        calibration = self.context.get("enabled_calibration")
        return {"calibration": {"calibration_id": str(calibration.pk), "f0": calibration.f0} if calibration else None}


# --- voices ----------------------------------------------------------------------------
class TierOutput(serializers.Serializer):
    name = serializers.CharField()


class TagOutput(serializers.Serializer):
    name = serializers.CharField()


class NarrationStyleEffectsOutput(serializers.Serializer):
    """What the style changes: its espeak-ng rendering of the text, then the engine's changes."""

    tts_voice = serializers.CharField(help_text="espeak-ng voice that reads the text.")
    words_per_minute = serializers.IntegerField(source="tts_rate")
    pitch_range = serializers.FloatField(help_text="Multiplies the voice's intonation range.")
    rate = serializers.FloatField(help_text="Speaking rate after rendering: above 1 faster, below 1 slower.")
    breathiness = serializers.FloatField(help_text="Added to the voice's breathiness (0-1).")


class AccentEffectsOutput(serializers.Serializer):
    """What the accent changes in a speech-to-speech conversion."""

    semitones = serializers.FloatField(help_text="Added to the voice's pitch.")
    formant_ratio = serializers.FloatField(help_text="Multiplies the voice's formant ratio.")
    pitch_range = serializers.FloatField(help_text="Multiplies the voice's intonation range.")
    rate = serializers.FloatField(help_text="Speaking rate: above 1 faster, below 1 slower (0.95 is 5% longer).")


class AccentInfoOutput(serializers.Serializer):
    name = serializers.CharField()
    short_name = serializers.CharField()
    locale = serializers.CharField()


class AccentSettingsOutput(serializers.Serializer):
    favorite = serializers.BooleanField()
    semitones_correction = serializers.FloatField()


# The catalogue's part of a voice (what every user sees) is rendered by the *CatalogueOutput
# serializers once per catalogue version and kept; api/rendering.py adds the caller's part per
# request. The full *Output serializers describe the result (the OpenAPI schema, the field order).
class AccentCatalogueOutput(serializers.Serializer):
    id = serializers.UUIDField()
    is_default = serializers.BooleanField()
    native = serializers.BooleanField()
    info = serializers.SerializerMethodField()
    effects = AccentEffectsOutput(source="*")
    tiers = TierOutput(many=True, source="tiers.all")

    @extend_schema_field(AccentInfoOutput)
    def get_info(self, accent):
        return {"name": accent.name, "short_name": accent.short_name, "locale": accent.locale}


class AccentOutput(AccentCatalogueOutput):
    available = serializers.BooleanField(read_only=True)
    settings = AccentSettingsOutput(read_only=True)


class NarrationStyleInfoOutput(serializers.Serializer):
    name = serializers.CharField()


class NarrationStyleSettingsOutput(serializers.Serializer):
    favorite = serializers.BooleanField()


class NarrationStyleCatalogueOutput(serializers.Serializer):
    id = serializers.UUIDField()
    is_default = serializers.BooleanField()
    info = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    effects = NarrationStyleEffectsOutput(source="*")

    @extend_schema_field(NarrationStyleInfoOutput)
    def get_info(self, style):
        return {"name": style.name}

    @extend_schema_field(TagOutput(many=True))
    def get_tags(self, style):
        # A style nobody has tagged yet is described by its name.
        return [{"name": tag} for tag in (style.tags or [style.name])]


class NarrationStyleOutput(NarrationStyleCatalogueOutput):
    settings = NarrationStyleSettingsOutput(read_only=True)


class VoiceCatalogueOutput(ModelSerializer):
    # Accents and narration styles are rendered on their own, each with its caller's part.
    owner_id = serializers.UUIDField()
    gender = serializers.SerializerMethodField()
    age_group = serializers.SerializerMethodField()
    pitch_group = serializers.SerializerMethodField()
    tiers = TierOutput(many=True, source="tiers.all")

    class Meta:
        model = Voice
        fields = [
            "id",
            "owner_id",
            "name",
            "slug",
            "visibility",
            "species",
            "artist",
            "verified_artist",
            "gender",
            "pitch",
            "age_group",
            "pitch_group",
            "nationality",
            "description",
            "rating",
            "active",
            "created_at",
            "tiers",
        ]

    def get_gender(self, voice) -> str | None:
        return voice.gender or None

    def get_age_group(self, voice) -> str | None:
        return voice.age_group or None

    def get_pitch_group(self, voice) -> str | None:
        return voice.pitch_group or None


class VoiceOutput(VoiceCatalogueOutput):
    """VoicePublic."""

    image_url = serializers.CharField(allow_null=True, read_only=True)
    thumbnail_url = serializers.CharField(allow_null=True, read_only=True)
    favorite = serializers.BooleanField()
    available = serializers.BooleanField(read_only=True)
    accents = AccentOutput(many=True, read_only=True)
    narration_styles = NarrationStyleOutput(many=True)

    class Meta(VoiceCatalogueOutput.Meta):
        fields = [
            "id",
            "owner_id",
            "name",
            "slug",
            "visibility",
            "species",
            "artist",
            "verified_artist",
            "gender",
            "pitch",
            "age_group",
            "pitch_group",
            "nationality",
            "image_url",
            "thumbnail_url",
            "description",
            "rating",
            "active",
            "created_at",
            "favorite",
            "available",
            "accents",
            "narration_styles",
            "tiers",
        ]


class VoiceListQuery(Serializer):
    visibility = serializers.ListField(child=serializers.ChoiceField(Voice.Visibility.values), required=False)
    species = serializers.ListField(child=serializers.ChoiceField(Voice.Species.values), required=False)
    gender = serializers.ListField(child=serializers.ChoiceField(Voice.Gender.values), required=False)
    age_group = serializers.ListField(child=serializers.ChoiceField(Voice.AgeGroup.values), required=False)
    pitch_group = serializers.ListField(child=serializers.ChoiceField(Voice.PitchGroup.values), required=False)
    nationality = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    sort = serializers.ChoiceField(["default", *VOICE_SORTS], default="default")
    direction = serializers.ChoiceField(["asc", "desc"], default="desc")


class VoiceSearchQuery(Serializer):
    name = serializers.CharField(min_length=2, max_length=100)
    limit = serializers.IntegerField(min_value=0, max_value=10, default=5)


class FavoriteInput(serializers.Serializer):
    favorite = serializers.BooleanField()


class VoiceSettingsInput(serializers.Serializer):
    voice_id = serializers.UUIDField()
    accent_id = serializers.UUIDField(required=False)
    narration_style_id = serializers.UUIDField(required=False)
    semitones_correction = serializers.FloatField(
        required=False, min_value=-SEMITONES_CORRECTION_LIMIT, max_value=SEMITONES_CORRECTION_LIMIT
    )

    def validate(self, attrs):
        if "semitones_correction" in attrs and "accent_id" not in attrs:
            raise serializers.ValidationError({"semitones_correction": ["Only saved together with accent_id."]})
        return attrs


class AccentSamplesQuery(Serializer):
    accent_id = serializers.UUIDField()


class NarrationStyleSamplesQuery(Serializer):
    narration_style_id = serializers.UUIDField()


class SamplesOutput(serializers.Serializer):
    samples = serializers.DictField()
