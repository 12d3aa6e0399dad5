"""The studio library endpoints (Respeecher dialect): parse, call a selector or service, render."""

from __future__ import annotations

import logging
from urllib.parse import quote

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser

from core.body_limits import upload_limit
from core.dialects import CONVERSIONS, ApiError, DialectResponse, DialectView
from core.http import serve_file
from core.parsers import JSONParser
from core.serializers import validated
from core.storage import object_storage

from .. import export, selectors, services
from ..filters import ConversionFilter, FolderFilter, OriginalFilter, ProjectFilter, RecordingFilter
from ..language import detect_language
from . import serializers as s

logger = logging.getLogger(__name__)

# Multipart overhead allowed above the largest accepted recording before the body is refused unread.

PROJECTS = ["projects"]
FOLDERS = ["folders"]
RECORDINGS = ["recordings"]
TTS = ["tts"]
NOTES = ["notes"]
STATS = ["stats"]


def _zip_response(entries, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.stream_zip(entries), content_type="application/zip")
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-cache"
    return response


class LibraryView(DialectView):
    dialect = CONVERSIONS
    parser_classes = [JSONParser]
    default_limit = 50
    max_limit = 200


# --- projects -------------------------------------------------------------------------------
class ProjectsView(LibraryView):
    paginated = True
    max_limit = 100
    error_statuses = ("409",)  # no free slug (practically never)

    filterset_class = ProjectFilter

    @extend_schema(tags=PROJECTS, responses=s.ProjectOut(many=True))
    def get(self, request):
        return self.paginate(
            selectors.accessible_projects(request.user), lambda rows: s.ProjectOut(rows, many=True).data
        )

    @extend_schema(tags=PROJECTS, request=s.ProjectCreateInput, responses={200: s.ProjectOut})
    def post(self, request):
        data = validated(s.ProjectCreateInput, request.data)
        project = services.create_project(request.user, name=data["name"], owner_id=data.get("owner"))
        return DialectResponse(s.ProjectOut(project).data)


class ProjectByUrlView(LibraryView):
    @extend_schema(tags=PROJECTS, parameters=[s.ProjectByUrlQuery], responses={200: s.ProjectOut})
    def get(self, request):
        query = validated(s.ProjectByUrlQuery, request.query_params)
        slug = services.slug_from_project_url(query["project_url"])
        if slug is None:
            raise ApiError("not_found")
        return DialectResponse(s.ProjectOut(selectors.get_project_by_slug(request.user, slug)).data)


class ProjectDetailView(LibraryView):
    @extend_schema(tags=PROJECTS, responses={200: s.ProjectOut})
    def get(self, request, project_id):
        return DialectResponse(s.ProjectOut(selectors.get_project(request.user, project_id)).data)

    @extend_schema(tags=PROJECTS, request=s.ProjectRenameInput, responses={200: s.ProjectOut})
    def patch(self, request, project_id):
        project = selectors.get_project(request.user, project_id)
        data = validated(s.ProjectRenameInput, request.data)
        return DialectResponse(s.ProjectOut(services.rename_project(project, name=data["name"])).data)

    @extend_schema(tags=PROJECTS, request=s.ProjectUpdateInput, responses={200: s.ProjectOut})
    def put(self, request, project_id):
        # The gateway's PUT sets the per-project model parameters, which are no longer used:
        # the body is validated and the project answered unchanged.
        project = selectors.get_project(request.user, project_id)
        validated(s.ProjectUpdateInput, request.data)
        return DialectResponse(s.ProjectOut(project).data)

    @extend_schema(tags=PROJECTS, request=None, responses={200: s.IdOut})
    def delete(self, request, project_id):
        project = selectors.get_project(request.user, project_id)
        services.delete_project(project)
        return DialectResponse({"id": str(project_id)})


class ProjectExportView(LibraryView):
    cost_scopes = {"GET": "export"}

    @extend_schema(
        tags=PROJECTS,
        parameters=[s.ExportQuery],
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, project_id):
        project = selectors.get_project(request.user, project_id)
        query = validated(s.ExportQuery, request.query_params)
        recordings = selectors.export_recordings(project.recordings.all(), starred_only=query["starred_only"])
        entries = export.project_entries(recordings, project.folders.all())
        logger.info("project %s exported by user %s (%s files)", project.pk, request.user.pk, len(entries))
        return _zip_response(entries, export.archive_name(project.slug))


# --- folders --------------------------------------------------------------------------------
class FoldersView(LibraryView):
    paginated = True
    filterset_class = FolderFilter

    @extend_schema(tags=FOLDERS, responses=s.FolderOut(many=True))
    def get(self, request):
        folders = selectors.accessible_folders(request.user)
        return self.paginate(folders, lambda rows: s.FolderOut(rows, many=True).data)

    @extend_schema(tags=FOLDERS, request=s.FolderCreateInput, responses={200: s.FolderOut})
    def post(self, request):
        data = validated(s.FolderCreateInput, request.data)
        project = selectors.get_project(request.user, data["project_id"])
        parent = selectors.get_folder(request.user, data["parent_id"]) if data.get("parent_id") else None
        folder = services.create_folder(project=project, name=data["name"], parent=parent)
        return DialectResponse(s.FolderOut(folder).data)


class FolderDetailView(LibraryView):
    @extend_schema(tags=FOLDERS, responses={200: s.FolderOut})
    def get(self, request, folder_id):
        return DialectResponse(s.FolderOut(selectors.get_folder(request.user, folder_id)).data)

    @extend_schema(tags=FOLDERS, request=s.FolderRenameInput, responses={200: s.FolderOut})
    def patch(self, request, folder_id):
        folder = selectors.get_folder(request.user, folder_id)
        data = validated(s.FolderRenameInput, request.data)
        if "name" in data:
            folder = services.rename_folder(folder, name=data["name"])
        return DialectResponse(s.FolderOut(folder).data)

    @extend_schema(tags=FOLDERS, request=None, responses={200: s.IdOut(many=True)})
    def delete(self, request, folder_id):
        folder = selectors.get_folder(request.user, folder_id)
        deleted = services.delete_folder(folder, selectors.folder_tree_ids(folder))
        return DialectResponse([{"id": str(pk)} for pk in deleted])


# --- recordings -----------------------------------------------------------------------------
def _recordings_page(view, request):
    recordings = selectors.listed_recordings(request.user)
    return view.paginate(recordings, lambda rows: s.RecordingOut(rows, many=True).data)


class RecordingsView(LibraryView):
    cost_scopes = {"POST": "media_upload"}
    idempotent_post = True
    paginated = True
    parser_classes = [MultiPartParser, FormParser]
    max_body_bytes, body_too_large = upload_limit(
        "CONVERSIONS_RECORDING_MAX_BYTES", "The audio is larger than {max} bytes"
    )
    filterset_class = RecordingFilter

    @extend_schema(tags=RECORDINGS, responses=s.RecordingOut(many=True))
    def get(self, request):
        return _recordings_page(self, request)

    @extend_schema(
        tags=RECORDINGS, request={"multipart/form-data": s.RecordingUploadInput}, responses={200: s.RecordingOut}
    )
    def post(self, request):
        data = validated(s.RecordingUploadInput, request.data)
        folder = selectors.get_folder(request.user, data["parent_folder_id"])
        recording = services.create_uploaded_recording(
            request.user, folder=folder, upload=data["data"], microphone=data["microphone"], label=data["label"]
        )
        return DialectResponse(s.RecordingOut(recording).data)


class OriginalsView(LibraryView):
    paginated = True
    filterset_class = OriginalFilter

    @extend_schema(tags=RECORDINGS, responses=s.RecordingOut(many=True))
    def get(self, request):
        return _recordings_page(self, request)


class ConversionsView(LibraryView):
    paginated = True
    filterset_class = ConversionFilter

    @extend_schema(tags=RECORDINGS, responses=s.RecordingOut(many=True))
    def get(self, request):
        return _recordings_page(self, request)


class RecordingExportView(LibraryView):
    cost_scopes = {"GET": "export"}

    @extend_schema(
        tags=RECORDINGS,
        parameters=[s.RecordingExportQuery],
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request):
        query = validated(s.RecordingExportQuery, request.query_params)
        original = selectors.get_original(request.user, query["original_id"])
        recordings = selectors.export_recordings(original.conversions.all(), starred_only=query["starred_only"])
        entries = export.conversion_entries(recordings)
        logger.info("conversions of %s exported by user %s (%s files)", original.pk, request.user.pk, len(entries))
        stem = original.label or original.file_name.rsplit(".", 1)[0] or str(original.pk)
        return _zip_response(entries, export.archive_name(f"{stem}-conversions"))


class RecordingDetailView(LibraryView):
    @extend_schema(tags=RECORDINGS, responses={200: s.RecordingOut})
    def get(self, request, recording_id):
        return DialectResponse(s.RecordingOut(selectors.get_recording(request.user, recording_id)).data)

    def _update(self, request, recording_id, partial: bool):
        recording = selectors.get_recording(request.user, recording_id)
        data = validated(s.RecordingUpdateInput, request.data, partial=partial)
        services.update_recording(recording, **data)
        return DialectResponse(s.RecordingOut(recording).data)

    @extend_schema(tags=RECORDINGS, request=s.RecordingUpdateInput, responses={200: s.RecordingOut})
    def patch(self, request, recording_id):
        return self._update(request, recording_id, partial=True)

    @extend_schema(tags=RECORDINGS, request=s.RecordingUpdateInput, responses={200: s.RecordingOut})
    def put(self, request, recording_id):
        return self._update(request, recording_id, partial=False)

    @extend_schema(tags=RECORDINGS, request=None, responses={200: s.IdOut(many=True)})
    def delete(self, request, recording_id):
        recording = selectors.get_recording(request.user, recording_id)
        return DialectResponse([{"id": str(pk)} for pk in services.delete_recording(recording)])


class RecordingAudioView(LibraryView):
    """``url`` of a recording: the audio, streamed with Range support; a listen is counted when
    playback starts (no Range, or a Range from byte 0)."""

    @extend_schema(tags=RECORDINGS, responses={(200, "audio/*"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, recording_id):
        recording = selectors.get_recording(request.user, recording_id)
        if not recording.audio_key:
            raise ApiError("not_found", message="The recording has no audio yet")
        range_header = request.headers.get("Range", "")
        starts_playback = not range_header or range_header.replace(" ", "").startswith("bytes=0-")
        if request.method == "GET" and starts_playback:
            services.count_listen(recording)
        return serve_file(
            request,
            object_storage.open(recording.audio_key),
            size=recording.size,
            content_type=recording.content_type or "application/octet-stream",
            etag=recording.sha256 or None,
            filename=recording.file_name,
        )


class RecordingWaveformView(LibraryView):
    @extend_schema(tags=RECORDINGS, responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, recording_id):
        recording = selectors.get_recording(request.user, recording_id)
        if not recording.waveform_key:
            raise ApiError("not_found", message="The waveform is not ready yet")
        return serve_file(
            request,
            object_storage.open(recording.waveform_key),
            size=object_storage.size(recording.waveform_key),
            content_type="image/png",
            etag=recording.waveform_key.rsplit("/", 1)[-1].split(".")[0],
            cache_seconds=3600,
        )


# --- text to speech -------------------------------------------------------------------------
class TtsV2View(LibraryView):
    cost_scopes = {"POST": "media_job"}
    idempotent_post = True

    @extend_schema(tags=TTS, request=s.TtsV2Input, responses={200: s.RecordingOut})
    def post(self, request):
        data = validated(s.TtsV2Input, request.data)
        folder = selectors.get_folder(request.user, data["parent_folder_id"])
        if data.get("tts_voice_id"):
            voice = selectors.get_tts_voice(request.user, data["tts_voice_id"])
            language = data.get("text_language") or voice.language
        else:
            language = (data.get("text_language") or detect_language(data["text"])).lower()
            voice = selectors.default_tts_voice(request.user, language)
            if voice is None:
                raise ApiError("validation", fields={"text_language": [f"No TTS voice speaks {language}."]})
        recording = services.create_tts_recording(
            request.user, folder=folder, text=data["text"], voice=voice, language=language, label=data["label"]
        )
        return DialectResponse(s.RecordingOut(recording).data)


class TtsV1View(LibraryView):
    cost_scopes = {"POST": "media_job"}
    idempotent_post = True

    @extend_schema(tags=TTS, request=s.TtsV1Input, responses={200: s.RecordingOut}, deprecated=True)
    def post(self, request):
        data = validated(s.TtsV1Input, request.data)
        folder = selectors.get_folder(request.user, data["parent_folder_id"])
        if "project_id" in data and folder.project_id != data["project_id"]:
            selectors.get_project(request.user, data["project_id"])
            raise ApiError("validation", fields={"parent_folder_id": ["The folder is not in this project."]})
        voice = selectors.get_tts_voice(request.user, data["voice_id"])
        recording = services.create_tts_recording(
            request.user, folder=folder, text=data["text"], voice=voice, language=voice.language, label=data["label"]
        )
        return DialectResponse(s.RecordingOut(recording).data)


class TtsVoicesView(LibraryView):
    @extend_schema(tags=TTS, responses={200: s.TtsVoiceOut(many=True)})
    def get(self, request):
        voices = list(selectors.visible_tts_voices(request.user))
        services.measure_tts_voices(voices)
        return DialectResponse(s.TtsVoiceOut(voices, many=True).data)


# --- notes ----------------------------------------------------------------------------------
class NotesView(LibraryView):
    error_statuses = ("409",)  # POST on a recording that already has a note

    @extend_schema(tags=NOTES, parameters=[s.NoteListQuery], responses={200: s.NoteOut(many=True)})
    def get(self, request):
        query = validated(s.NoteListQuery, request.query_params)
        folder = selectors.get_folder(request.user, query["folder_id"])
        return DialectResponse(s.NoteOut(selectors.notes_in_folder(folder), many=True).data)

    @extend_schema(tags=NOTES, request=s.NoteInput, responses={200: s.NoteOut})
    def post(self, request):
        data = validated(s.NoteInput, request.data)
        recording = selectors.get_recording(request.user, data["recording_id"])
        return DialectResponse(s.NoteOut(services.create_note(request.user, recording, text=data["text"])).data)

    @extend_schema(tags=NOTES, request=s.NoteInput, responses={200: s.NoteOut})
    def put(self, request):
        data = validated(s.NoteInput, request.data)
        recording = selectors.get_recording(request.user, data["recording_id"])
        return DialectResponse(s.NoteOut(services.update_note(recording, text=data["text"])).data)

    @extend_schema(tags=NOTES, request=s.NoteDeleteInput, responses={200: s.NoteOut})
    def delete(self, request):
        data = validated(s.NoteDeleteInput, request.data)
        recording = selectors.get_recording(request.user, data["recording_id"])
        return DialectResponse(s.NoteOut(services.delete_note(recording)).data)


# --- statistics -----------------------------------------------------------------------------
def _ids(request, serializer_class, field: str) -> list:
    """Ids from the JSON body (as documented, also on GET) or, for GET, from ``?field=a&field=b``."""
    if request.method == "POST" or request.data:
        return validated(serializer_class, request.data)[field]
    values = request.query_params.getlist(field)
    if len(values) == 1 and "," in values[0]:
        values = values[0].split(",")
    return validated(serializer_class, {field: values} if field in request.query_params else {})[field]


def _id_list_parameter(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "array", "items": {"type": "string", "format": "uuid"}, "maxItems": s.STATS_MAX_IDS},
        OpenApiParameter.QUERY,
        required=True,
        explode=True,
        description=f"The {what} to count: repeat the parameter (?{name}=a&{name}=b) or separate ids by commas; "
        f"at most {s.STATS_MAX_IDS}. POST takes the same list as a JSON body.",
    )


class StatsView(LibraryView):
    @extend_schema(tags=STATS, responses={200: s.AccountStatsOut})
    def get(self, request):
        return DialectResponse(s.AccountStatsOut(selectors.account_stats(request.user)).data)


class ProjectStatsView(LibraryView):
    @extend_schema(
        tags=STATS,
        parameters=[_id_list_parameter("project_ids", "projects")],
        responses={200: s.ProjectStatsOut(many=True)},
    )
    def get(self, request):
        ids = _ids(request, s.ProjectStatsInput, "project_ids")
        return DialectResponse(s.ProjectStatsOut(selectors.project_stats(request.user, ids), many=True).data)

    @extend_schema(tags=STATS, request=s.ProjectStatsInput, responses={200: s.ProjectStatsOut(many=True)})
    def post(self, request):
        return self.get(request)


class FolderStatsView(LibraryView):
    @extend_schema(
        tags=STATS,
        parameters=[_id_list_parameter("folder_ids", "folders")],
        responses={200: s.FolderStatsOut(many=True)},
    )
    def get(self, request):
        ids = _ids(request, s.FolderStatsInput, "folder_ids")
        return DialectResponse(s.FolderStatsOut(selectors.folder_stats(request.user, ids), many=True).data)

    @extend_schema(tags=STATS, request=s.FolderStatsInput, responses={200: s.FolderStatsOut(many=True)})
    def post(self, request):
        return self.get(request)
