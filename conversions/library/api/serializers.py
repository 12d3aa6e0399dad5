"""Input and output shapes of the studio library, one serializer each, as the gateway shows them."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.routes import RoutePath
from core.serializers import ModelSerializer, Serializer

from ..models import NAME_MAX_LENGTH, Folder, Note, Project, Recording, TtsVoice

LABEL_PATTERN = r"^[a-zA-Z0-9 -]*$"
LABEL_MESSAGE = "Only letters, digits, spaces and hyphens are allowed."
STATS_MAX_IDS = 200


class StrictBooleanField(serializers.BooleanField):
    """JSON true/false only: "yes", 1 or "false" are type errors, not silently coerced."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class NameField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        kwargs.setdefault("trim_whitespace", True)
        super().__init__(**kwargs)


class LabelField(serializers.CharField):
    """A recording label: 40 characters; the gateway restricts the characters on upload only."""

    def __init__(self, *, restricted: bool = False, **kwargs):
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        if restricted:
            self.validators.append(RegexValidator(LABEL_PATTERN, message=LABEL_MESSAGE))


# --- projects -----------------------------------------------------------------------------
class ProjectCreateInput(serializers.Serializer):
    name = NameField()
    owner = serializers.UUIDField(required=False, allow_null=True)
    models = serializers.DictField(required=False, help_text="No longer used: accepted and ignored.")


class ProjectUpdateInput(serializers.Serializer):
    models = serializers.DictField(help_text="No longer used: accepted and ignored.")


class ProjectRenameInput(serializers.Serializer):
    name = NameField()


class ProjectByUrlQuery(Serializer):
    project_url = serializers.CharField(max_length=500)


class ProjectOut(ModelSerializer):
    owner = serializers.SerializerMethodField()
    models = serializers.SerializerMethodField()
    # Required in the gateway's schema: the project's creation until it has a recording.
    last_recording_at = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["name", "slug", "owner", "url", "models", "id", "active", "created_at", "last_recording_at"]

    def get_owner(self, project) -> str:
        return str(project.owner_id)

    def get_models(self, project) -> dict:
        return {}

    @extend_schema_field(serializers.DateTimeField())
    def get_last_recording_at(self, project):
        return serializers.DateTimeField().to_representation(project.last_recording_at or project.created_at)


class IdOut(Serializer):
    id = serializers.UUIDField()


class ExportQuery(Serializer):
    starred_only = serializers.BooleanField(default=False)


class RecordingExportQuery(ExportQuery):
    original_id = serializers.UUIDField()


# --- folders ------------------------------------------------------------------------------
class FolderCreateInput(serializers.Serializer):
    name = NameField()
    project_id = serializers.UUIDField()
    parent_id = serializers.UUIDField(required=False, allow_null=True)


class FolderRenameInput(serializers.Serializer):
    """The gateway's FolderUpdate: every field optional; an empty PATCH changes nothing."""

    name = NameField(required=False)


class FolderOut(ModelSerializer):
    class Meta:
        model = Folder
        fields = ["name", "project_id", "parent_id", "id", "active", "created_at"]


# --- recordings ---------------------------------------------------------------------------
class RecordingUploadInput(serializers.Serializer):
    data = serializers.FileField(allow_empty_file=False)
    parent_folder_id = serializers.UUIDField()
    microphone = serializers.CharField(max_length=100)
    label = LabelField(restricted=True, required=False, default="")


class RecordingUpdateInput(serializers.Serializer):
    label = LabelField()
    starred = StrictBooleanField()


class TtsV2Input(serializers.Serializer):
    parent_folder_id = serializers.UUIDField()
    text = serializers.CharField(min_length=1, trim_whitespace=False)
    text_language = serializers.RegexField(
        r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$",
        required=False,
        error_messages={"invalid": "Use an ISO 639 language code."},
    )
    tts_voice_id = serializers.UUIDField(required=False)
    label = LabelField(required=False, default="")

    def validate_text(self, value):
        if not value.strip():
            raise serializers.ValidationError("The text is empty.")
        if len(value) > settings.CONVERSIONS_TTS_MAX_CHARS:
            raise serializers.ValidationError(
                f"The text is longer than {settings.CONVERSIONS_TTS_MAX_CHARS} characters."
            )
        return value


class TtsV1Input(TtsV2Input):
    # In the reference's body, not in the gateway's schema: checked against the folder when given.
    project_id = serializers.UUIDField(required=False)
    voice_id = serializers.UUIDField()
    text_language = None
    tts_voice_id = None


class NoteInRecording(ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "text", "active"]


_RECORDING_AUDIO_PATH = RoutePath("conversions-recording-audio", "recording_id", uuid.UUID(int=0))
_RECORDING_WAVEFORM_PATH = RoutePath("conversions-recording-waveform", "recording_id", uuid.UUID(int=0))


class RecordingOut(ModelSerializer):
    project_id = serializers.UUIDField()
    parent_folder_id = serializers.UUIDField()
    original_id = serializers.UUIDField(allow_null=True)
    url = serializers.SerializerMethodField()
    waveform_url = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()
    tts_voice_id = serializers.SerializerMethodField()

    class Meta:
        model = Recording
        fields = [
            "id",
            "project_id",
            "parent_folder_id",
            "type",
            "url",
            "waveform_url",
            "file_name",
            "label",
            "state",
            "original_id",
            "model_id",
            "model_name",
            "calibration_id",
            "calibration_value",
            "calibration_name",
            "microphone",
            "size",
            "duration",
            "starred",
            "tts",
            "tts_voice",
            "tts_voice_id",
            "text",
            "params",
            "error",
            "active",
            "created_at",
            "converted_at",
            "listen_count",
            "process_stage",
            "note",
        ]

    def get_url(self, recording) -> str | None:
        if not recording.audio_key:
            return None
        return _RECORDING_AUDIO_PATH(recording.pk)

    def get_waveform_url(self, recording) -> str | None:
        if not recording.waveform_key:
            return None
        return _RECORDING_WAVEFORM_PATH(recording.pk)

    def get_tts_voice_id(self, recording) -> str | None:
        return str(recording.tts_voice_id) if recording.tts_voice_id else None

    def get_note(self, recording) -> dict | None:
        try:
            note = recording.note
        except Note.DoesNotExist:
            return None
        return NoteInRecording(note).data


# --- TTS voices, notes, stats ---------------------------------------------------------------
class TtsVoiceOut(ModelSerializer):
    class Meta:
        model = TtsVoice
        fields = ["id", "visibility", "name", "f0", "is_default"]


class NoteInput(serializers.Serializer):
    recording_id = serializers.UUIDField()
    text = serializers.CharField(max_length=2000, min_length=1)


class NoteDeleteInput(serializers.Serializer):
    recording_id = serializers.UUIDField()


class NoteListQuery(Serializer):
    folder_id = serializers.UUIDField()


class NoteOut(ModelSerializer):
    recording_id = serializers.UUIDField()

    class Meta:
        model = Note
        fields = ["recording_id", "text", "id", "active"]


class ProjectStatsInput(serializers.Serializer):
    project_ids = serializers.ListField(child=serializers.UUIDField(), max_length=STATS_MAX_IDS, allow_empty=True)


class FolderStatsInput(serializers.Serializer):
    folder_ids = serializers.ListField(child=serializers.UUIDField(), max_length=STATS_MAX_IDS, allow_empty=True)


class ConversionCountsOut(Serializer):
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    failed = serializers.IntegerField()


class MonthDurationOut(Serializer):
    month = serializers.DateField()
    duration = serializers.FloatField()


class TimeConvertedOut(Serializer):
    total = serializers.IntegerField()
    current_month = serializers.IntegerField()


class AccountTimeConvertedOut(TimeConvertedOut):
    previous_monthes = MonthDurationOut(many=True)


class ModelStatsOut(Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    conversions_count = serializers.IntegerField()
    converted_time = serializers.FloatField()


class AccountStatsOut(Serializer):
    time_converted = AccountTimeConvertedOut()
    conversions = ConversionCountsOut()
    models = ModelStatsOut(many=True)


class ProjectStatsOut(Serializer):
    project_id = serializers.UUIDField()
    time_converted = TimeConvertedOut()
    conversions = ConversionCountsOut()


class FolderStatsOut(Serializer):
    folder_id = serializers.UUIDField()
    stats = ConversionCountsOut()
