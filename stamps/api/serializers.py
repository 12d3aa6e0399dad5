"""One serializer per input and per output of the VoiceStamps API."""

from __future__ import annotations

import json

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import parsers as json_bounds
from core.ids import IdField
from core.serializers import BlankAsNullCharField, Serializer
from core.storage import object_storage

from .. import links, selectors
from ..models import Stamp, StampFile
from ..sharing.api.serializers import ShareOut
from ..thumbnails import styles as thumbnail_styles

AUDIO_FORMAT_CHOICES = ("mp3", "wav", "ogg", "m4a", "aac", "flac", "webm")
TEXT_TYPES = ("note", "caption", "transcription", "description")
TRANSCRIPTION_STATES = ("none", "processing", "completed", "failed")
MAX_STROKES = 200
MAX_POINTS = 5000
MAX_COORDINATE = 100_000


# --- shared field validation ----------------------------------------------------------------
class BoundedJSONObjectField(serializers.JSONField):
    """A JSON object whose encoded size is capped by STAMPS_MAX_JSON_BYTES, stored whole in jsonb
    (so no NUL character in it)."""

    def to_internal_value(self, data):
        try:
            # A form field's JSON text is decoded by DRF itself, unbounded.
            value = super().to_internal_value(data)
            json_bounds.check(value, refuse_nul=True)
        except RecursionError:
            raise serializers.ValidationError(
                f"JSON may be nested at most {settings.JSON_MAX_DEPTH} levels deep."
            ) from None
        except json_bounds.UnsafeJson as exc:
            raise serializers.ValidationError(str(exc)) from None
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        if len(json.dumps(value)) > settings.STAMPS_MAX_JSON_BYTES:
            raise serializers.ValidationError(f"Must be at most {settings.STAMPS_MAX_JSON_BYTES} bytes as JSON.")
        return value


class JSONListField(serializers.ListField):
    """A list that may also arrive as a JSON string (multipart and form bodies)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json_bounds.loads(data)
            except json_bounds.UnsafeJson as exc:
                raise serializers.ValidationError(str(exc)) from None
            except ValueError:
                raise serializers.ValidationError("Must be a JSON array.") from None
        return super().to_internal_value(data)


class VoiceTagSerializer(serializers.Serializer):
    timestamp = serializers.FloatField(min_value=0, max_value=24 * 3600)
    x = serializers.FloatField(min_value=0, max_value=MAX_COORDINATE, required=False, allow_null=True)
    y = serializers.FloatField(min_value=0, max_value=MAX_COORDINATE, required=False, allow_null=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if (attrs.get("x") is None) != (attrs.get("y") is None):
            raise serializers.ValidationError({"x": ["Give both x and y, or neither."]})
        return attrs


def voice_tags_field(**kwargs):
    return JSONListField(child=VoiceTagSerializer(), max_length=settings.STAMPS_MAX_VOICE_TAGS, **kwargs)


class TimestampSerializer(serializers.Serializer):
    time = serializers.FloatField(min_value=0, max_value=24 * 3600)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --- outputs ----------------------------------------------------------------------------------
class VSTFileSerializer(Serializer):
    """The spec's VSTFile data structure, field for field."""

    id = serializers.IntegerField()
    user_id = serializers.CharField()
    voice_note_id = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    draft_image_path = serializers.CharField(allow_null=True)
    thumbnail_path = serializers.CharField(allow_null=True)
    draft_audio_path = serializers.CharField(allow_null=True)
    vst_file_path = serializers.CharField(allow_null=True)
    file_size_bytes = serializers.IntegerField()
    conversion_status = serializers.ChoiceField(choices=Stamp.Status.choices)
    aws_s3_bucket = serializers.CharField(allow_null=True)
    aws_s3_key = serializers.CharField(allow_null=True)
    manifest_s3_key = serializers.CharField(allow_null=True)
    package_s3_key = serializers.CharField(allow_null=True)
    metadata = serializers.DictField()
    voice_tags = serializers.ListField(child=serializers.DictField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, stamp: Stamp):
        return super().to_representation(_VSTFileView(stamp))


class _VSTFileView:
    """A stamp as the VSTFile structure sees it: its file paths and storage keys read from one
    pass over its (prefetched) files; every other attribute is the stamp's own."""

    def __init__(self, stamp: Stamp):
        self._stamp = stamp
        files = {item.role: item for item in selectors.files_of(stamp) if item.role != StampFile.Role.IMAGE}
        first_image = next(iter(selectors.images_of(stamp)), None)
        audio, manifest, package = (
            files.get(StampFile.Role.AUDIO),
            files.get(StampFile.Role.MANIFEST),
            files.get(StampFile.Role.PACKAGE),
        )
        on_s3 = not object_storage.is_local
        self.user_id = stamp.owner_id
        self.draft_image_path = (
            links.file_path(stamp.pk, first_image.role, first_image.filename) if first_image else None
        )
        self.thumbnail_path = links.thumbnail_path(stamp.pk) if StampFile.Role.THUMBNAIL in files else None
        self.draft_audio_path = links.file_path(stamp.pk, audio.role, audio.filename) if audio else None
        self.vst_file_path = links.package_path(stamp.pk) if package else None
        self.aws_s3_bucket = object_storage.backend.bucket_name if on_s3 else None
        self.aws_s3_key = audio.key if on_s3 and audio else None
        self.manifest_s3_key = manifest.key if on_s3 and manifest else None
        self.package_s3_key = package.key if on_s3 and package else None

    def __getattr__(self, name):
        return getattr(self._stamp, name)


class StampOut(Serializer):
    data = VSTFileSerializer()


class StampDetailOut(Serializer):
    data = VSTFileSerializer()
    manifest = serializers.DictField(required=False)
    shares = ShareOut(many=True, required=False)


class DraftOut(Serializer):
    vst_id = serializers.IntegerField()
    status = serializers.CharField()


class AudioUploadOut(Serializer):
    audio_url = serializers.URLField()


class ImageUploadOut(Serializer):
    image_url = serializers.URLField()
    position = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class ManifestOut(Serializer):
    manifest = serializers.DictField()


class DrawingOut(Serializer):
    drawing = serializers.DictField()
    manifest_version = serializers.IntegerField()


class TextOut(Serializer):
    text = serializers.DictField()
    manifest_version = serializers.IntegerField()


class CompletePackageOut(Serializer):
    status = serializers.ChoiceField(choices=Stamp.Status.choices)
    download_url = serializers.URLField()


# The packaging of a stamp; ``request`` in the context builds the download link.
class ConversionOut(Serializer):
    status = serializers.ChoiceField(source="conversion_status", choices=Stamp.Status.choices)
    progress = serializers.SerializerMethodField()
    job_id = serializers.UUIDField(source="package_job_id", allow_null=True)
    error = BlankAsNullCharField(source="failure_reason")
    download_url = serializers.SerializerMethodField()

    def get_progress(self, stamp: Stamp) -> int:
        if stamp.conversion_status == Stamp.Status.COMPLETED:
            return 100
        return stamp.package_job.progress if stamp.package_job_id else 0

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, stamp: Stamp) -> str | None:
        if stamp.conversion_status != Stamp.Status.COMPLETED:
            return None
        return links.absolute(links.download_path(stamp.pk), self.context["request"])


class DownloadOut(Serializer):
    download_url = serializers.URLField()
    filename = serializers.CharField()
    size_bytes = serializers.IntegerField()
    expires_in = serializers.IntegerField()


# The stamp's thumbnail file; ``request`` and ``generated`` (rendered by this call) in the context.
class ThumbnailOut(Serializer):
    thumbnail_url = serializers.SerializerMethodField()
    style = serializers.CharField(source="details.style")
    rendered_style = serializers.CharField(source="details.rendered_style")
    timestamp = serializers.FloatField(source="details.timestamp", allow_null=True)
    generated = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail_url(self, item: StampFile) -> str:
        return links.absolute(links.thumbnail_path(item.stamp_id), self.context["request"])

    def get_generated(self, item: StampFile) -> bool:
        return self.context["generated"]


class TranscriptionOut(Serializer):
    status = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    transcription = serializers.DictField(allow_null=True)

    @staticmethod
    def _state(stamp: Stamp) -> tuple[str, int]:
        job = stamp.transcription_job
        if job is not None and not job.is_finished:
            return "processing", job.progress
        if job is not None and job.state == job.State.FAILED:
            return "failed", job.progress
        if stamp.transcription:
            return "completed", 100
        return "none", 0

    @extend_schema_field(serializers.ChoiceField(choices=TRANSCRIPTION_STATES))
    def get_status(self, stamp: Stamp) -> str:
        return self._state(stamp)[0]

    def get_progress(self, stamp: Stamp) -> int:
        return self._state(stamp)[1]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_error(self, stamp: Stamp) -> str | None:
        job = stamp.transcription_job
        return (job.error or None) if job else None


class TranslationOut(Serializer):
    translated_text = serializers.CharField()
    source_language = serializers.CharField()
    target_language = serializers.CharField()
    detected_source_language = serializers.BooleanField()
    engine = serializers.CharField()
    translation_id = serializers.CharField(allow_null=True)


# --- inputs -----------------------------------------------------------------------------------
class StampDetailQuery(Serializer):
    include_manifest = serializers.BooleanField(required=False, default=False)
    include_sharing = serializers.BooleanField(required=False, default=False)


class StampCreateIn(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(max_length=5000, required=False, allow_null=True, allow_blank=True)
    voice_tags = voice_tags_field(required=False)
    metadata = BoundedJSONObjectField(required=False)


class StampUpdateIn(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_null=True, allow_blank=True)
    voice_tags = voice_tags_field(required=False)
    metadata = BoundedJSONObjectField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                {"non_field_errors": ["Give at least one of title, description, voice_tags, metadata."]}
            )
        return attrs


class DraftIn(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False, default="Untitled VoiceStamp")
    description = serializers.CharField(max_length=5000, required=False, allow_null=True, allow_blank=True)
    voice_note_id = serializers.CharField(max_length=100, required=False, allow_null=True)
    metadata = BoundedJSONObjectField(required=False)


class AudioUploadIn(serializers.Serializer):
    audio_file = serializers.FileField(allow_empty_file=False)
    duration = serializers.FloatField(min_value=0, max_value=24 * 3600, required=False, allow_null=True)
    format = serializers.ChoiceField(choices=AUDIO_FORMAT_CHOICES, required=False, allow_null=True)


class ImageUploadIn(serializers.Serializer):
    image_file = serializers.FileField(allow_empty_file=False)
    position = serializers.IntegerField(min_value=0, max_value=10_000, required=False, allow_null=True)


class ManifestUpdateIn(serializers.Serializer):
    voice_tags = voice_tags_field(required=False)
    metadata = BoundedJSONObjectField(required=False)
    timestamps = JSONListField(child=TimestampSerializer(), max_length=1000, required=False)
    manifest_version = serializers.IntegerField(min_value=1, required=False)

    def validate(self, attrs):
        if not {"voice_tags", "metadata", "timestamps"} & set(attrs):
            raise serializers.ValidationError(
                {"non_field_errors": ["Give at least one of voice_tags, metadata, timestamps."]}
            )
        return attrs


class StrokeSerializer(serializers.Serializer):
    points = serializers.ListField(
        child=serializers.ListField(
            child=serializers.FloatField(min_value=0, max_value=MAX_COORDINATE), min_length=2, max_length=2
        ),
        min_length=1,
        max_length=MAX_POINTS,
    )
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, default="#000000")
    width = serializers.FloatField(min_value=0.1, max_value=200, required=False, default=2.0)
    tool = serializers.ChoiceField(choices=("pen", "highlighter", "eraser"), required=False, default="pen")


class CoordinatesSerializer(serializers.Serializer):
    width = serializers.FloatField(min_value=1, max_value=MAX_COORDINATE)
    height = serializers.FloatField(min_value=1, max_value=MAX_COORDINATE)


class DrawingIn(serializers.Serializer):
    drawing_data = JSONListField(child=StrokeSerializer(), min_length=1, max_length=MAX_STROKES)
    coordinates = CoordinatesSerializer(required=False, allow_null=True)
    timestamp = serializers.FloatField(min_value=0, max_value=24 * 3600, required=False, allow_null=True)


class TextIn(serializers.Serializer):
    text_content = serializers.CharField(max_length=settings.STAMPS_MAX_TEXT_CHARS, trim_whitespace=False)
    type = serializers.ChoiceField(choices=TEXT_TYPES, required=False, default="note")

    def validate_text_content(self, value):
        if not value.strip():
            raise serializers.ValidationError("The text may not be blank.")
        return value


class CompletePackageIn(serializers.Serializer):
    voice_tags = voice_tags_field(required=False)


class ThumbnailGenerateIn(serializers.Serializer):
    timestamp = serializers.FloatField(min_value=0, max_value=24 * 3600, required=False, allow_null=True)
    style = serializers.ChoiceField(choices=thumbnail_styles.STYLES, required=False, default="auto")


class ThumbnailRegenerateIn(ThumbnailGenerateIn):
    force = serializers.BooleanField(required=False, default=False)


class TranscribeIn(serializers.Serializer):
    force = serializers.BooleanField(required=False, default=False)


class TranslateIn(serializers.Serializer):
    text = serializers.CharField(max_length=20_000, required=False, trim_whitespace=False)
    target_language = serializers.RegexField(r"^[a-z]{2,3}$", max_length=3)
    source_language = serializers.RegexField(r"^[a-z]{2,3}$", max_length=3, required=False, allow_null=True)
    vst_id = IdField(required=False)
    text_id = serializers.CharField(max_length=64, required=False)

    def validate(self, attrs):
        has_text, has_stamp = bool(attrs.get("text", "").strip()), "vst_id" in attrs
        if has_text == has_stamp:
            raise serializers.ValidationError({"text": ["Give either text, or vst_id (with an optional text_id)."]})
        if "text_id" in attrs and not has_stamp:
            raise serializers.ValidationError({"vst_id": ["text_id needs the vst_id of its VoiceStamp."]})
        return attrs
