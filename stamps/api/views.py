"""HTTP for the VoiceStamps API: parse, call a service or selector, render.

Every view speaks the STAMPS dialect; another user's stamp is a 404
"VoiceStamp not found", never a 403.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission

from core.body_limits import upload_limit
from core.dialects import STAMPS, ApiError, DialectResponse, DialectView, ResponseMeta
from core.http import serve_file
from core.parsers import JSONParser
from core.serializers import validated
from core.storage import object_storage
from core.throttles import client_address

from .. import links, selectors, services
from ..filters import StampFilter
from ..models import Stamp, StampFile
from ..packaging import services as packaging
from ..sharing import selectors as sharing_selectors
from ..sharing.api import serializers as sharing_serializers
from ..thumbnails import services as thumbnails
from ..transcripts import services as transcripts
from . import serializers as s

BINARY = OpenApiResponse(description="The file's bytes (supports Range and If-None-Match).")


class StampView(DialectView):
    """VoiceStamps API view."""

    dialect = STAMPS


class OwnerOrShareViewer(BasePermission):
    """Files are the owner's; a request naming a share (``?share={code}``) is judged by that share."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) or bool(request.query_params.get("share"))


SHARE_PARAMETERS = [
    OpenApiParameter(
        "share", sharing_selectors.TOKEN_SCHEMA, description="A share code: serve the file to a viewer of that share."
    ),
    OpenApiParameter(
        "token", sharing_selectors.TOKEN_SCHEMA, description="The recipient's access token of a private share."
    ),
]


def _shared_file(request, filename: str, roles, stamp_id=None) -> StampFile | None:
    """The file as a share viewer may see it, or None when the request names no share."""
    code = request.query_params.get("share")
    if not code:
        return None
    item = sharing_selectors.share_grants_file(
        code,
        filename,
        user=request.user,
        access_token=request.query_params.get("token") or request.headers.get("X-Share-Token"),
        password=request.headers.get("X-Share-Password"),
        client=client_address(request),
    )
    if item is None or item.role not in roles or (stamp_id is not None and str(item.stamp_id) != str(stamp_id)):
        raise ApiError("not_found", message=selectors.FILE_NOT_FOUND)
    return item


def _serve(request, item: StampFile, *, attachment: bool = False, download_name: str | None = None):
    try:
        handle = object_storage.open(item.key)
    except FileNotFoundError:
        raise ApiError("not_found", message=selectors.FILE_NOT_FOUND) from None
    return serve_file(
        request,
        handle,
        size=item.size,
        content_type=item.content_type,
        etag=item.sha256,
        filename=download_name,
        attachment=attachment,
    )


def _stamp_payload(stamp: Stamp) -> dict:
    return {"data": s.VSTFileSerializer(stamp).data}


# --- Core CRUD -----------------------------------------------------------------------------------
class StampListCreateView(StampView):
    """List the caller's VoiceStamps (page, limit, status, search) or create one."""

    paginated = True
    filterset_class = StampFilter

    @extend_schema(responses=s.VSTFileSerializer(many=True))
    def get(self, request):
        return self.paginate(
            selectors.stamps_for_user(request.user), lambda rows: s.VSTFileSerializer(rows, many=True).data
        )

    @extend_schema(request=s.StampCreateIn, responses={201: s.StampOut})
    def post(self, request):
        data = validated(s.StampCreateIn, request.data)
        stamp = services.create_stamp(owner=request.user, **data)
        return DialectResponse(_stamp_payload(selectors.stamp_for_user(request.user, stamp.pk)), status=201)


class StampDetailView(StampView):
    """Get (include_manifest, include_sharing), update or delete one VoiceStamp."""

    @extend_schema(parameters=[s.StampDetailQuery], responses=s.StampDetailOut)
    def get(self, request, stamp_id):
        query = validated(s.StampDetailQuery, request.query_params)
        stamp = selectors.stamp_for_user(request.user, stamp_id)
        payload = _stamp_payload(stamp)
        if query["include_manifest"]:
            payload["manifest"] = packaging.manifest_of(stamp)
        if query["include_sharing"]:
            payload["shares"] = sharing_serializers.ShareOut(sharing_selectors.shares_of_stamp(stamp), many=True).data
        return DialectResponse(payload)

    @extend_schema(request=s.StampUpdateIn, responses=s.StampOut)
    def put(self, request, stamp_id):
        changes = validated(s.StampUpdateIn, request.data)
        stamp = services.update_stamp(request.user, stamp_id, changes=changes)
        return DialectResponse(_stamp_payload(selectors.stamp_for_user(request.user, stamp.pk)))

    @extend_schema(request=s.StampUpdateIn, responses=s.StampOut)
    def patch(self, request, stamp_id):
        return self.put(request, stamp_id)

    @extend_schema(request=None, responses={200: OpenApiResponse(description='{"success": true, "message": ...}')})
    def delete(self, request, stamp_id):
        services.delete_stamp(request.user, stamp_id)
        return DialectResponse({}, meta=ResponseMeta(message="VoiceStamp deleted"))


# --- File Management -----------------------------------------------------------------------------
class DraftView(StampView):
    """Create a draft VoiceStamp for file uploads; returns its vst_id."""

    idempotent_post = True

    @extend_schema(request=s.DraftIn, responses={201: s.DraftOut})
    def post(self, request):
        data = validated(s.DraftIn, request.data)
        stamp = services.create_stamp(owner=request.user, **data)
        return DialectResponse({"vst_id": stamp.pk, "status": stamp.conversion_status}, status=201)


class AudioUploadView(StampView):
    """Upload the recording (checked by content, size-capped, duration measured)."""

    cost_scopes = {"POST": "media_upload"}
    error_statuses = ("409",)  # while the stamp is being packaged

    parser_classes = [MultiPartParser, FormParser]
    max_body_bytes, body_too_large = upload_limit(
        "STAMPS_MAX_AUDIO_BYTES", "The audio file may be at most {max} bytes.", field="audio_file"
    )

    @extend_schema(request={"multipart/form-data": s.AudioUploadIn}, responses={201: s.AudioUploadOut})
    def post(self, request, vst_id):
        selectors.stamp_for_user(request.user, vst_id)
        data = validated(s.AudioUploadIn, request.data)
        item = services.attach_audio(
            request.user,
            vst_id,
            data["audio_file"],
            declared_format=data.get("format"),
            declared_duration=data.get("duration"),
        )
        return DialectResponse(
            {"audio_url": links.absolute(links.file_path(item.stamp_id, item.role, item.filename), request)},
            status=201,
        )


class ImageUploadView(StampView):
    """Upload an image (jpeg, png, webp; metadata stripped) at a position."""

    cost_scopes = {"POST": "media_upload"}
    error_statuses = ("409",)  # while the stamp is being packaged

    parser_classes = [MultiPartParser, FormParser]
    max_body_bytes, body_too_large = upload_limit(
        "STAMPS_MAX_IMAGE_BYTES", "The image may be at most {max} bytes.", field="image_file"
    )

    @extend_schema(request={"multipart/form-data": s.ImageUploadIn}, responses={201: s.ImageUploadOut})
    def post(self, request, vst_id):
        selectors.stamp_for_user(request.user, vst_id)
        data = validated(s.ImageUploadIn, request.data)
        item = services.attach_image(request.user, vst_id, data["image_file"], position=data.get("position"))
        return DialectResponse(
            {
                "image_url": links.absolute(links.file_path(item.stamp_id, item.role, item.filename), request),
                "position": item.position,
                "width": item.width,
                "height": item.height,
            },
            status=201,
        )


class AudioFileView(StampView):
    """The stamp's audio (original or delivery formats), with Range and ETag."""

    error_statuses = ("410",)  # served through an expired share

    permission_classes = [OwnerOrShareViewer]
    roles = (StampFile.Role.AUDIO, StampFile.Role.AUDIO_AAC, StampFile.Role.AUDIO_OPUS)

    @extend_schema(parameters=SHARE_PARAMETERS, responses={(200, "audio/*"): BINARY})
    def get(self, request, vst_id, filename):
        item = _shared_file(request, filename, self.roles, vst_id)
        if item is None:
            item = selectors.file_of_stamp(selectors.stamp_for_user(request.user, vst_id), filename, self.roles)
        return _serve(request, item)


class ImageFileView(StampView):
    """One of the stamp's images, with ETag."""

    error_statuses = ("410",)  # served through an expired share

    permission_classes = [OwnerOrShareViewer]
    roles = (StampFile.Role.IMAGE, StampFile.Role.THUMBNAIL)

    @extend_schema(parameters=SHARE_PARAMETERS, responses={(200, "image/*"): BINARY})
    def get(self, request, vst_id, filename):
        item = _shared_file(request, filename, self.roles, vst_id)
        if item is None:
            item = selectors.file_of_stamp(selectors.stamp_for_user(request.user, vst_id), filename, self.roles)
        return _serve(request, item)


class FileView(StampView):
    """Any file of the caller's VoiceStamps by its file name."""

    error_statuses = ("410",)  # served through an expired share

    permission_classes = [OwnerOrShareViewer]

    @extend_schema(parameters=SHARE_PARAMETERS, responses={(200, "application/octet-stream"): BINARY})
    def get(self, request, filename):
        item = _shared_file(request, filename, set(StampFile.Role))
        return _serve(request, item or selectors.file_for_user(request.user, filename))


# --- Package & Conversion ------------------------------------------------------------------------
class ManifestView(StampView):
    """Read or update the stamp's versioned manifest."""

    error_statuses = {"PUT": ("409",)}  # manifest_version is stale, or packaging

    @extend_schema(responses=s.ManifestOut)
    def get(self, request, vst_id):
        stamp = selectors.stamp_for_user(request.user, vst_id)
        return DialectResponse({"manifest": packaging.manifest_of(stamp)})

    @extend_schema(request=s.ManifestUpdateIn, responses=s.ManifestOut)
    def put(self, request, vst_id):
        data = validated(s.ManifestUpdateIn, request.data)
        expected = data.pop("manifest_version", None)
        packaging.update_manifest(request.user, vst_id, changes=data, expected_version=expected)
        stamp = selectors.stamp_for_user(request.user, vst_id)
        return DialectResponse({"manifest": packaging.manifest_of(stamp)})


class DrawingsView(StampView):
    """Add a drawing (vector strokes in a coordinate frame)."""

    @extend_schema(request=s.DrawingIn, responses={201: s.DrawingOut})
    def post(self, request, vst_id):
        data = validated(s.DrawingIn, request.data)
        drawing = packaging.add_drawing(
            request.user,
            vst_id,
            strokes=data["drawing_data"],
            coordinates=data.get("coordinates"),
            timestamp=data.get("timestamp"),
        )
        stamp = selectors.stamp_for_user(request.user, vst_id)
        return DialectResponse({"drawing": drawing, "manifest_version": stamp.manifest_version}, status=201)


class UploadTextView(StampView):
    """Add a text (note, caption, transcription, description)."""

    @extend_schema(request=s.TextIn, responses={201: s.TextOut})
    def post(self, request, vst_id):
        data = validated(s.TextIn, request.data)
        text = packaging.add_text(request.user, vst_id, text_content=data["text_content"], text_type=data["type"])
        stamp = selectors.stamp_for_user(request.user, vst_id)
        return DialectResponse({"text": text, "manifest_version": stamp.manifest_version}, status=201)


class CompletePackageView(StampView):
    """Finalise the stamp and start packaging (202 while processing)."""

    cost_scopes = {"POST": "media_job"}

    @extend_schema(request=s.CompletePackageIn, responses={200: s.CompletePackageOut, 202: s.CompletePackageOut})
    def post(self, request, vst_id):
        data = validated(s.CompletePackageIn, request.data)
        stamp = packaging.complete_package(request.user, vst_id, voice_tags=data.get("voice_tags"))
        return DialectResponse(
            {"status": stamp.conversion_status, "download_url": links.absolute(links.download_path(stamp.pk), request)},
            status=202 if stamp.conversion_status == Stamp.Status.PROCESSING else 200,
        )


class ConvertView(StampView):
    """Start (POST) or poll (GET) the conversion to the VST format."""

    cost_scopes = {"POST": "media_job"}

    @extend_schema(request=None, responses={202: s.ConversionOut})
    def post(self, request, vst_id):
        packaging.start_conversion(request.user, vst_id)
        stamp = selectors.stamp_for_user(request.user, vst_id)
        return DialectResponse(s.ConversionOut(stamp, context={"request": request}).data, status=202)

    @extend_schema(responses=s.ConversionOut)
    def get(self, request, vst_id):
        stamp = selectors.stamp_for_user(request.user, vst_id)
        return DialectResponse(s.ConversionOut(stamp, context={"request": request}).data)


def _package_of(stamp: Stamp) -> StampFile:
    package = selectors.current_file(stamp, StampFile.Role.PACKAGE)
    if package is None or stamp.conversion_status != Stamp.Status.COMPLETED:
        raise ApiError("conflict", message=f"The package is not ready (status: {stamp.conversion_status}).")
    return package


def _package_name(stamp: Stamp) -> str:
    return f"voicestamp-{stamp.pk}.vst"


class PackageView(StampView):
    """Download the .vst package (a ZIP) as a stream."""

    error_statuses = ("409",)  # the package is not ready

    @extend_schema(responses={(200, "application/zip"): BINARY})
    def get(self, request, vst_id):
        stamp = selectors.stamp_for_user(request.user, vst_id)
        return _serve(request, _package_of(stamp), attachment=True, download_name=_package_name(stamp))


class DownloadView(StampView):
    """A signed, expiring download URL of the .vst package."""

    error_statuses = ("409",)  # the package is not ready

    @extend_schema(responses=s.DownloadOut)
    def get(self, request, vst_id):
        stamp = selectors.stamp_for_user(request.user, vst_id)
        package = _package_of(stamp)
        ttl = settings.STAMPS_DOWNLOAD_URL_TTL
        url = object_storage.signed_url(
            package.key, expires=ttl, filename=_package_name(stamp), content_type=package.content_type, request=request
        )
        return DialectResponse(
            {"download_url": url, "filename": _package_name(stamp), "size_bytes": package.size, "expires_in": ttl}
        )


# --- Advanced Features ---------------------------------------------------------------------------
class ThumbnailView(StampView):
    """The stamp's thumbnail (JPEG)."""

    @extend_schema(responses={(200, "image/jpeg"): BINARY})
    def get(self, request, vst_id):
        stamp = selectors.stamp_for_user(request.user, vst_id)
        thumbnail = selectors.current_file(stamp, StampFile.Role.THUMBNAIL)
        if thumbnail is None:
            raise ApiError("not_found", message="This VoiceStamp has no thumbnail yet.")
        return _serve(request, thumbnail)


class ThumbnailGenerateView(StampView):
    """Render a thumbnail (styles: auto, cover, waveform, card)."""

    cost_scopes = {"POST": "media_job"}

    @extend_schema(request=s.ThumbnailGenerateIn, responses={200: s.ThumbnailOut, 201: s.ThumbnailOut})
    def post(self, request, vst_id):
        data = validated(s.ThumbnailGenerateIn, request.data)
        item, generated = thumbnails.generate_thumbnail(
            request.user, vst_id, style=data["style"], timestamp=data.get("timestamp"), force=False
        )
        return DialectResponse(
            s.ThumbnailOut(item, context={"request": request, "generated": generated}).data,
            status=201 if generated else 200,
        )


class ThumbnailRegenerateView(StampView):
    """Render the thumbnail again; force re-renders an identical one."""

    cost_scopes = {"POST": "media_job"}

    @extend_schema(request=s.ThumbnailRegenerateIn, responses={200: s.ThumbnailOut, 201: s.ThumbnailOut})
    def post(self, request, vst_id):
        data = validated(s.ThumbnailRegenerateIn, request.data)
        item, generated = thumbnails.generate_thumbnail(
            request.user, vst_id, style=data["style"], timestamp=data.get("timestamp"), force=data["force"]
        )
        return DialectResponse(
            s.ThumbnailOut(item, context={"request": request, "generated": generated}).data,
            status=201 if generated else 200,
        )


class TranscribeView(StampView):
    """Start (POST) or poll (GET) the transcription of the recording."""

    cost_scopes = {"POST": "media_job"}

    @extend_schema(request=s.TranscribeIn, responses={200: s.TranscriptionOut, 202: s.TranscriptionOut})
    def post(self, request, stamp_id):
        data = validated(s.TranscribeIn, request.data)
        transcripts.start_transcription(request.user, stamp_id, force=data["force"])
        stamp = selectors.stamp_for_user(request.user, stamp_id)
        payload = s.TranscriptionOut(stamp).data
        return DialectResponse(payload, status=202 if payload["status"] == "processing" else 200)

    @extend_schema(responses=s.TranscriptionOut)
    def get(self, request, stamp_id):
        stamp = selectors.stamp_for_user(request.user, stamp_id)
        return DialectResponse(s.TranscriptionOut(stamp).data)


class TranslateView(StampView):
    """Translate text, or a stamp's text or transcription, with Apertium."""

    cost_scopes = {"POST": "translate"}

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=s.TranslateIn, responses=s.TranslationOut)
    def post(self, request):
        data = validated(s.TranslateIn, request.data)
        result, stored = transcripts.translate(
            request.user,
            text=data.get("text"),
            target_language=data["target_language"],
            source_language=data.get("source_language"),
            vst_id=data.get("vst_id"),
            text_id=data.get("text_id"),
        )
        return DialectResponse(
            {
                "translated_text": result.text,
                "source_language": result.source_language,
                "target_language": result.target_language,
                "detected_source_language": result.detected,
                "engine": "apertium",
                "translation_id": stored["id"] if stored else None,
            }
        )
