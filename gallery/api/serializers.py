"""Voice Gallery inputs and outputs: one serializer each, camelCase as documented."""

from django.conf import settings
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import RequestBody
from core.storage import object_storage

from ..media import SAMPLE_CONTENT_TYPE
from ..models import NAME_PATTERN, Voice
from ..services import spoken_text

CHARACTERISTIC_MESSAGE = "voiceCharacteristic must be 'Male', 'Female', or 'Accent'"
MAX_SAMPLES = 5


def _name_field(required: bool) -> serializers.CharField:
    return serializers.CharField(
        required=required,
        min_length=2,
        max_length=100,
        error_messages={
            "required": "Name is required",
            "blank": "Name is required",
            "null": "Name is required",
            "min_length": "Name must be at least 2 characters",
            "max_length": "Name must be at most 100 characters",
        },
    )


@extend_schema_field({"type": "string", "enum": Voice.Characteristic.values})
class CharacteristicField(serializers.CharField):
    """One of Voice.Characteristic, case-sensitive; checked in validate_voiceCharacteristic so that
    every wrong value gets the spec's one message."""


@extend_schema_field({"type": "string", "enum": [SAMPLE_CONTENT_TYPE]})
class SampleTypeField(serializers.CharField):
    """audio/mpeg; any other type is the spec's INVALID_FILE_TYPE, answered by the service."""


def _characteristic_field(required: bool) -> serializers.CharField:
    messages = {
        key: CHARACTERISTIC_MESSAGE for key in ("required", "blank", "null", "invalid", "min_length", "max_length")
    }
    return CharacteristicField(
        required=required, min_length=3, max_length=100, trim_whitespace=False, error_messages=messages
    )


def _order_field(required: bool) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=required,
        min_value=0,
        max_value=2_147_483_647,
        error_messages={
            "required": "orderNumber is required",
            "null": "orderNumber is required",
            "invalid": "orderNumber must be a whole number",
            "min_value": "orderNumber must be 0 or greater",
            "max_value": "orderNumber is too large",
        },
    )


def _samples_field(required: bool) -> serializers.ListField:
    return serializers.ListField(
        required=required,
        child=serializers.CharField(max_length=2048, error_messages={"blank": "Sample URLs must not be empty"}),
        min_length=1,
        max_length=MAX_SAMPLES,
        error_messages={
            "required": "At least one sample URL is required",
            "null": "At least one sample URL is required",
            "empty": "At least one sample URL is required",
            "min_length": "At least one sample URL is required",
            "max_length": f"At most {MAX_SAMPLES} samples are allowed",
            "not_a_list": "samples must be an array of URLs",
        },
    )


class _VoiceFields(RequestBody):
    def validate_name(self, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise serializers.ValidationError("Name may contain only letters, numbers, spaces, hyphens and parentheses")
        return value

    def validate_voiceCharacteristic(self, value: str) -> str:  # noqa: N802 - DRF names it after the field
        if value not in Voice.Characteristic.values:
            raise serializers.ValidationError(CHARACTERISTIC_MESSAGE)
        return value

    def validate_samples(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each sample URL may appear only once")
        return value

    def to_model_fields(self) -> dict:
        """validated camelCase data -> model field names (samples are handled apart)."""
        names = {
            "name": "name",
            "voiceCharacteristic": "voice_characteristic",
            "orderNumber": "order_number",
            "isPublished": "is_published",
        }
        return {names[key]: value for key, value in self.validated_data.items() if key in names}


class GalleryVoiceCreateInput(_VoiceFields):
    """POST as JSON: samples are URLs of objects uploaded through upload-url."""

    name = _name_field(True)
    voiceCharacteristic = _characteristic_field(True)
    orderNumber = _order_field(True)
    isPublished = serializers.BooleanField(required=False, default=False)
    samples = _samples_field(True)


class GalleryVoiceCreateFormInput(_VoiceFields):
    """POST as multipart: the samples are the files sampleFile[0]..sampleFile[4]."""

    name = _name_field(True)
    voiceCharacteristic = _characteristic_field(True)
    orderNumber = _order_field(True)
    isPublished = serializers.BooleanField(required=False, default=False)


class GalleryVoiceUpdateInput(_VoiceFields):
    """PUT (partial): every field optional; samples, when given, replace the existing ones."""

    name = _name_field(False)
    voiceCharacteristic = _characteristic_field(False)
    orderNumber = _order_field(False)
    isPublished = serializers.BooleanField(required=False)
    samples = _samples_field(False)


# Who created or last updated a voice: the row's ``<who>_by_user_id`` and ``<who>_by_name``.
class GalleryIdentityOutput(serializers.Serializer):
    def __init__(self, who: str, **kwargs):
        self.who = who
        super().__init__(source="*", **kwargs)

    def get_fields(self):
        return {
            "userId": serializers.CharField(source=f"{self.who}_by_user_id"),
            "userName": serializers.CharField(source=f"{self.who}_by_name"),
        }


class GalleryVoiceOutput(serializers.Serializer):
    """The documented VoiceGalleryEntity."""

    # A voice is a row from the selectors (LISTED_FIELDS plus sample_keys), not a model instance:
    # the public list renders up to 100 per request, and building model objects was most of its cost.
    id = serializers.UUIDField()
    name = serializers.CharField()
    voiceCharacteristic = serializers.ChoiceField(source="voice_characteristic", choices=Voice.Characteristic.choices)
    orderNumber = serializers.IntegerField(source="order_number")
    samples = serializers.SerializerMethodField(
        help_text="The samples' stable object URLs (they name the objects; they do not serve them)."
    )
    playableSamples = serializers.SerializerMethodField(
        help_text="One URL per sample, in the same order, that plays it: signed, answering Range requests, "
        "valid for SIGNED_URL_TTL seconds (300 by default) from this response. Read the voice again "
        "for fresh ones."
    )
    voiceIsAI = serializers.BooleanField(source="voice_is_ai")
    isPublished = serializers.BooleanField(source="is_published")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    createdBy = GalleryIdentityOutput("created")
    updatedBy = GalleryIdentityOutput("updated")

    def to_representation(self, voice: dict) -> dict:
        """What the fields above answer, built directly: DRF's per-field machinery (attribute
        lookup, None checks, nested serializers) was half the cost of a page of 20 voices. The
        fields stay the documented schema; tests/gallery/test_api_output.py holds the two equal."""
        return {
            "id": str(voice["id"]),
            "name": voice["name"],
            "voiceCharacteristic": voice["voice_characteristic"],
            "orderNumber": voice["order_number"],
            "samples": self.get_samples(voice),
            "playableSamples": self.get_playableSamples(voice),
            "voiceIsAI": bool(voice["voice_is_ai"]),
            "isPublished": bool(voice["is_published"]),
            "createdAt": self._timestamp.to_representation(voice["created_at"]),
            "updatedAt": self._timestamp.to_representation(voice["updated_at"]),
            "createdBy": {"userId": voice["created_by_user_id"], "userName": voice["created_by_name"]},
            "updatedBy": {"userId": voice["updated_by_user_id"], "userName": voice["updated_by_name"]},
        }

    @cached_property
    def _timestamp(self) -> serializers.DateTimeField:
        """createdAt's and updatedAt's field, in the current time zone looked up once per response
        rather than once per value (a thread-local lookup, a third of a timestamp's cost)."""
        return serializers.DateTimeField(default_timezone=timezone.get_current_timezone())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_samples(self, voice: dict) -> list[str]:
        return [object_storage.object_url(key) for key in voice["sample_keys"]]

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_playableSamples(self, voice: dict) -> list[str]:  # noqa: N802 - named after the documented field
        request = self.context.get("request")
        return [
            object_storage.signed_url(key, content_type=SAMPLE_CONTENT_TYPE, request=request)
            for key in voice["sample_keys"]
        ]


class GalleryVoiceDeletedOutput(serializers.Serializer):
    id = serializers.UUIDField()
    deletedAt = serializers.DateTimeField(source="deleted_at")


class GalleryUploadUrlInput(serializers.Serializer):
    fileName = serializers.CharField(max_length=255, error_messages={"required": "fileName is required"})
    fileType = SampleTypeField(max_length=100, error_messages={"required": "fileType is required"})
    fileSize = serializers.IntegerField(min_value=1, error_messages={"required": "fileSize is required"})


class GalleryUploadUrlOutput(serializers.Serializer):
    uploadUrl = serializers.CharField()
    fileUrl = serializers.CharField()
    fileKey = serializers.CharField()
    expiresIn = serializers.IntegerField()


class GallerySubmissionInput(serializers.Serializer):
    voiceId = serializers.UUIDField(
        error_messages={"required": "voiceId is required", "invalid": "voiceId must be a voice UUID"}
    )
    text = serializers.CharField(error_messages={"required": "text is required", "blank": "text is required"})

    def validate_text(self, value: str) -> str:
        limit = settings.GALLERY_TTS_MAX_TEXT_CHARS
        if len(value) > limit:
            raise serializers.ValidationError(f"text must be at most {limit} characters")
        if not spoken_text(value):
            raise serializers.ValidationError("text has nothing to speak once markup is removed")
        return value


class GallerySubmissionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    voiceId = serializers.UUIDField(source="voice_id")
    voiceName = serializers.CharField(source="voice.name")
    text = serializers.CharField()
    status = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    audioUrl = serializers.SerializerMethodField()
    durationSeconds = serializers.FloatField(source="duration_seconds", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)

    def get_status(self, submission) -> str:
        return submission.status

    def get_progress(self, submission) -> int:
        return 100 if submission.audio_key else (submission.job.progress if submission.job else 0)

    def get_error(self, submission) -> str | None:
        return (submission.job.error or None) if submission.job and not submission.audio_key else None

    def get_audioUrl(self, submission) -> str | None:  # noqa: N802
        if not submission.audio_key:
            return None
        return object_storage.signed_url(
            submission.audio_key,
            filename=f"tts-{submission.pk}.mp3",
            content_type="audio/mpeg",
            request=self.context.get("request"),
        )
