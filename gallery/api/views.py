"""Voice Gallery API (/api/v1/voice-gallery) and TTS submissions (/api/v1/tts-submissions)."""

import re

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated

from core.dialects import GALLERY, ApiError, DialectResponse, DialectView, ResponseMeta
from core.dialects.gallery import FILE_TOO_LARGE, SUBMISSION_NOT_FOUND
from core.parsers import JSONParser
from core.throttles import MethodScopedRateThrottle
from core.storage import object_storage

from .. import media, selectors, services
from ..filters import VoiceFilter
from . import serializers as s
from .permissions import GalleryAdminOnly, ReadAnyoneWriteAdmin

SAMPLE_FILE_FIELD = re.compile(r"^sampleFile\[([0-4])\]$")
# A multipart body holds at most five 5 MB samples plus the form fields.
MAX_MULTIPART_BYTES = 5 * media.MAX_SAMPLE_BYTES + 256 * 1024
TAGS = ["voice-gallery"]


def _voice_id(raw):
    parsed = selectors.parse_id(raw)
    if parsed is None:
        raise services.voice_not_found(raw)
    return parsed


def _is_multipart(request) -> bool:
    return (request.content_type or "").startswith("multipart/form-data")


class SampleUploadLimit:
    """Bodies carrying samples: refused past MAX_MULTIPART_BYTES before they are read
    (core.body_limits), as the spec's 400 FILE_TOO_LARGE."""

    @staticmethod
    def max_body_bytes() -> int:
        return MAX_MULTIPART_BYTES

    @staticmethod
    def body_too_large(limit: int) -> ApiError:
        return ApiError(
            "validation",
            code=FILE_TOO_LARGE,
            message=f"The samples exceed {limit} bytes; each may be at most {media.MAX_SAMPLE_BYTES} bytes (5MB)",
        )


def _sample_files(request) -> list:
    """sampleFile[0]..sampleFile[4] in index order; any other file field is a validation error."""
    if not _is_multipart(request):
        return []
    indexed, unknown = {}, []
    for field, upload in request.FILES.items():
        match = SAMPLE_FILE_FIELD.match(field)
        if match is None:
            unknown.append(field)
        else:
            indexed[int(match.group(1))] = upload
    if unknown:
        raise ApiError(
            "validation",
            fields={
                "samples": [f"Unexpected file field {', '.join(sorted(unknown))}; use sampleFile[0] to sampleFile[4]"]
            },
        )
    return [indexed[index] for index in sorted(indexed)]


class VoiceCollectionView(SampleUploadLimit, DialectView):
    idempotent_post = True
    dialect = GALLERY
    paginated = True
    permission_classes = [ReadAnyoneWriteAdmin]
    parser_classes = [JSONParser, MultiPartParser]
    throttle_classes = [MethodScopedRateThrottle]
    throttle_scopes = {"GET": "gallery_read", "HEAD": "gallery_read", "POST": "gallery_create"}

    filterset_class = VoiceFilter

    @extend_schema(responses=s.GalleryVoiceOutput(many=True), tags=TAGS)
    def get(self, request):
        return self.paginate(
            selectors.voices_for_listing(request.user),
            lambda rows: (
                s.GalleryVoiceOutput(selectors.with_sample_keys(rows), many=True, context={"request": request}).data
            ),
        )

    @extend_schema(
        request={"application/json": s.GalleryVoiceCreateInput, "multipart/form-data": s.GalleryVoiceCreateFormInput},
        responses={201: s.GalleryVoiceOutput},
        tags=TAGS,
    )
    def post(self, request):
        files = _sample_files(request)
        if _is_multipart(request):
            data = s.GalleryVoiceCreateFormInput(data=request.data)
            data.is_valid(raise_exception=True)
            if not files:
                raise ApiError("validation", fields={"samples": ["At least one sample file is required"]})
        else:
            data = s.GalleryVoiceCreateInput(data=request.data)
            data.is_valid(raise_exception=True)
        voice = services.create_voice(
            actor=request.user,
            sample_urls=data.validated_data.get("samples", ()),
            sample_files=files,
            **data.to_model_fields(),
        )
        voice = selectors.voice_for_reading(request.user, voice.pk)
        return DialectResponse(
            s.GalleryVoiceOutput(voice, context={"request": request}).data,
            status=201,
            meta=ResponseMeta(message="Voice created successfully"),
        )


class VoiceDetailView(SampleUploadLimit, DialectView):
    dialect = GALLERY
    permission_classes = [ReadAnyoneWriteAdmin]
    parser_classes = [JSONParser, MultiPartParser]
    throttle_classes = [MethodScopedRateThrottle]
    throttle_scopes = {
        "GET": "gallery_read",
        "HEAD": "gallery_read",
        "PUT": "gallery_update",
        "DELETE": "gallery_delete",
    }
    error_statuses = {"DELETE": ("409",)}  # VOICE_IN_USE

    @extend_schema(responses=s.GalleryVoiceOutput, tags=TAGS)
    def get(self, request, voice_id):
        voice = selectors.voice_for_reading(request.user, voice_id)
        if voice is None:
            raise services.voice_not_found(voice_id)
        return DialectResponse(s.GalleryVoiceOutput(voice, context={"request": request}).data)

    @extend_schema(
        request={"application/json": s.GalleryVoiceUpdateInput, "multipart/form-data": s.GalleryVoiceUpdateInput},
        responses=s.GalleryVoiceOutput,
        tags=TAGS,
    )
    def put(self, request, voice_id):
        parsed = _voice_id(voice_id)
        files = _sample_files(request)
        data = s.GalleryVoiceUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        if files and "samples" in data.validated_data:
            raise ApiError("validation", fields={"samples": ["Send samples as URLs or as files, not both"]})
        services.update_voice(
            parsed,
            actor=request.user,
            changes=data.to_model_fields(),
            sample_urls=data.validated_data.get("samples"),
            sample_files=files,
        )
        voice = selectors.voice_for_reading(request.user, parsed)
        return DialectResponse(
            s.GalleryVoiceOutput(voice, context={"request": request}).data,
            meta=ResponseMeta(message="Voice updated successfully"),
        )

    @extend_schema(responses={200: s.GalleryVoiceDeletedOutput}, tags=TAGS)
    def delete(self, request, voice_id):
        voice = services.delete_voice(_voice_id(voice_id), actor=request.user)
        return DialectResponse(
            s.GalleryVoiceDeletedOutput(voice).data, meta=ResponseMeta(message="Voice deleted successfully")
        )


class UploadUrlView(DialectView):
    dialect = GALLERY
    permission_classes = [GalleryAdminOnly]
    parser_classes = [JSONParser]
    throttle_classes = [MethodScopedRateThrottle]
    throttle_scopes = {"POST": "gallery_upload"}

    @extend_schema(request=s.GalleryUploadUrlInput, responses=s.GalleryUploadUrlOutput, tags=TAGS)
    def post(self, request):
        data = s.GalleryUploadUrlInput(data=request.data)
        data.is_valid(raise_exception=True)
        slot = services.request_sample_upload(
            file_name=data.validated_data["fileName"],
            file_type=data.validated_data["fileType"],
            file_size=data.validated_data["fileSize"],
            request=request,
        )
        payload = {
            "uploadUrl": slot.url,
            "fileUrl": object_storage.object_url(slot.key),
            "fileKey": slot.key,
            "expiresIn": slot.expires_in,
        }
        minutes = slot.expires_in // 60
        return DialectResponse(
            s.GalleryUploadUrlOutput(payload).data,
            meta=ResponseMeta(message=f"Pre-signed URL generated successfully. Upload expires in {minutes} minutes."),
        )


class SubmissionCollectionView(DialectView):
    idempotent_post = True
    dialect = GALLERY
    paginated = True
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    throttle_classes = [MethodScopedRateThrottle]
    throttle_scopes = {"GET": "gallery_read", "HEAD": "gallery_read", "POST": "gallery_tts"}

    @extend_schema(responses=s.GallerySubmissionOutput(many=True), tags=["tts-submissions"])
    def get(self, request):
        return self.paginate(
            selectors.submissions_of(request.user),
            lambda rows: s.GallerySubmissionOutput(rows, many=True, context={"request": request}).data,
        )

    @extend_schema(
        request=s.GallerySubmissionInput, responses={202: s.GallerySubmissionOutput}, tags=["tts-submissions"]
    )
    def post(self, request):
        data = s.GallerySubmissionInput(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.create_submission(
            user=request.user, voice_id=data.validated_data["voiceId"], text=data.validated_data["text"]
        )
        submission = selectors.submission_of(request.user, submission.pk)
        return DialectResponse(
            s.GallerySubmissionOutput(submission, context={"request": request}).data,
            status=202,
            meta=ResponseMeta(message="TTS submission queued"),
        )


class SubmissionDetailView(DialectView):
    dialect = GALLERY
    permission_classes = [IsAuthenticated]
    throttle_classes = [MethodScopedRateThrottle]
    throttle_scopes = {"GET": "gallery_read", "HEAD": "gallery_read"}

    @extend_schema(responses=s.GallerySubmissionOutput, tags=["tts-submissions"])
    def get(self, request, submission_id):
        submission = selectors.submission_of(request.user, submission_id)
        if submission is None:
            raise ApiError(
                "not_found", code=SUBMISSION_NOT_FOUND, message=f"TTS submission with ID '{submission_id}' not found."
            )
        return DialectResponse(s.GallerySubmissionOutput(submission, context={"request": request}).data)
