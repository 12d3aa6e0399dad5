"""HTTP of the voice catalogue and calibrations: parse, call a service or selector, render."""

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser

from core.body_limits import upload_limit
from core.dialects import CONVERSIONS, ApiError, DialectResponse, DialectView
from core.dialects.conversions import ListPagination
from core.parsers import JSONParser
from core.serializers import validated

from .. import selectors, services
from .rendering import render_voices, voice_list
from .serializers import (
    AccentSamplesQuery,
    CalibrationInput,
    CalibrationListQuery,
    CalibrationOutput,
    CalibrationRenameInput,
    FavoriteInput,
    NarrationStyleSamplesQuery,
    ProfileOutput,
    SamplesOutput,
    VoiceListQuery,
    VoiceOutput,
    VoiceSearchQuery,
    VoiceSettingsInput,
)

TAGS_CALIBRATION = ["calibration"]
TAGS_VOICES = ["voices"]


class VoicePagination(ListPagination):
    max_limit = 100


class CalibrationPagination(ListPagination):
    max_limit = 200


def _voice_body(request, voice):
    bodies = render_voices([voice.pk], request.user, request)
    if not bodies:  # deleted meanwhile
        raise ApiError("not_found", message="Voice not found")
    return bodies[0]


# --- calibrations -------------------------------------------------------------------
class CalibrationListView(DialectView):
    cost_scopes = {"POST": "media_upload"}
    idempotent_post = True
    dialect = CONVERSIONS
    parser_classes = [MultiPartParser, FormParser]
    max_body_bytes, body_too_large = upload_limit("CALIBRATION_MAX_BYTES", "The audio is larger than {max} bytes.")
    pagination_class = CalibrationPagination
    default_limit = 50
    paginated = True

    @extend_schema(
        tags=TAGS_CALIBRATION,
        parameters=[CalibrationListQuery],
        responses=CalibrationOutput(many=True),
        summary="Calibration List",
    )
    def get(self, request):
        query = validated(CalibrationListQuery, request.query_params)
        calibrations = selectors.calibrations_of(
            request.user, search=query.get("search", ""), direction=query["direction"]
        )
        return self.paginate(calibrations, lambda rows: CalibrationOutput(rows, many=True).data)

    @extend_schema(tags=TAGS_CALIBRATION, request=CalibrationInput, responses=CalibrationOutput, summary="Calibrate")
    def post(self, request):
        data = validated(CalibrationInput, request.data)
        calibration = services.create_calibration(request.user, name=data["name"], upload=data["data"])
        return DialectResponse(CalibrationOutput(calibration).data)


def _calibration(request, calibration_id):
    calibration = selectors.calibration_of(request.user, calibration_id)
    if calibration is None:
        raise ApiError("not_found", message="Calibration not found")
    return calibration


class CalibrationDetailView(DialectView):
    dialect = CONVERSIONS
    parser_classes = [JSONParser]

    @extend_schema(tags=TAGS_CALIBRATION, responses=CalibrationOutput, summary="Calibration Get")
    def get(self, request, calibration_id):
        return DialectResponse(CalibrationOutput(_calibration(request, calibration_id)).data)

    @extend_schema(
        tags=TAGS_CALIBRATION, request=CalibrationRenameInput, responses=CalibrationOutput, summary="Calibration Rename"
    )
    def patch(self, request, calibration_id):
        calibration = _calibration(request, calibration_id)
        data = validated(CalibrationRenameInput, request.data)
        calibration = services.rename_calibration(request.user, calibration, data["name"])
        return DialectResponse(CalibrationOutput(calibration).data)

    @extend_schema(tags=TAGS_CALIBRATION, responses=CalibrationOutput, summary="Calibration Delete")
    def delete(self, request, calibration_id):
        calibration = services.delete_calibration(_calibration(request, calibration_id))
        return DialectResponse(CalibrationOutput(calibration).data)


class CalibrationEnableView(DialectView):
    dialect = CONVERSIONS

    @extend_schema(tags=TAGS_CALIBRATION, request=None, responses=CalibrationOutput, summary="Calibration Enable")
    def put(self, request, calibration_id):
        calibration = services.enable_calibration(request.user, _calibration(request, calibration_id))
        return DialectResponse(CalibrationOutput(calibration).data)


def _profile(user):
    context = {"enabled_calibration": selectors.enabled_calibration(user)}
    return ProfileOutput(user, context=context).data


class CalibrationAutoView(DialectView):
    dialect = CONVERSIONS

    @extend_schema(tags=TAGS_CALIBRATION, request=None, responses=ProfileOutput, summary="Calibration Auto")
    def post(self, request):
        services.use_auto_calibration(request.user)
        return DialectResponse(_profile(request.user))


class ProfileView(DialectView):
    """POST /api/auth: the caller's profile, with the calibration their conversions use."""

    dialect = CONVERSIONS

    @extend_schema(tags=["auth"], request=None, responses=ProfileOutput, summary="Auth")
    def post(self, request):
        return DialectResponse(_profile(request.user))


# --- voices ---------------------------------------------------------------------------
class VoiceListView(DialectView):
    dialect = CONVERSIONS
    pagination_class = VoicePagination
    default_limit = 25
    paginated = True

    @extend_schema(
        tags=TAGS_VOICES, parameters=[VoiceListQuery], responses=VoiceOutput(many=True), summary="Voice List"
    )
    def get(self, request):
        query = validated(VoiceListQuery, request.query_params)
        voices = voice_list(
            request.user,
            filters={name: query.get(name) for name in selectors.VOICE_FILTERS},
            sort=query["sort"],
            direction=query["direction"],
        )
        return self.paginate(voices, lambda rows: render_voices(rows, request.user, request))


class VoiceSearchView(DialectView):
    dialect = CONVERSIONS

    @extend_schema(
        tags=TAGS_VOICES, parameters=[VoiceSearchQuery], responses=VoiceOutput(many=True), summary="Voice Search"
    )
    def get(self, request):
        query = validated(VoiceSearchQuery, request.query_params)
        voices = selectors.voice_search(request.user, name=query["name"], limit=query["limit"])
        return DialectResponse(render_voices(voices, request.user, request))


class VoiceFavoriteView(DialectView):
    dialect = CONVERSIONS
    parser_classes = [JSONParser]

    @extend_schema(tags=TAGS_VOICES, request=FavoriteInput, responses=VoiceOutput, summary="Voice Favorite")
    def post(self, request, voice_id):
        voice = selectors.visible_voice(request.user, voice_id)
        if voice is None:
            raise ApiError("not_found", message="Voice not found")
        data = validated(FavoriteInput, request.data)
        services.set_voice_favorite(request.user, voice, data["favorite"])
        return DialectResponse(_voice_body(request, voice))


class VoiceSettingsView(DialectView):
    dialect = CONVERSIONS
    parser_classes = [JSONParser]

    @extend_schema(tags=TAGS_VOICES, request=VoiceSettingsInput, responses=VoiceOutput, summary="Voice Settings")
    def post(self, request):
        data = validated(VoiceSettingsInput, request.data)
        voice = selectors.voice_for_user(request.user, data["voice_id"])
        if voice is None:
            raise ApiError("not_found", message="Voice not found")
        accent = style = None
        if "accent_id" in data:
            accent = next((a for a in voice.accents.all() if a.pk == data["accent_id"]), None)
            if accent is None:
                raise ApiError("not_found", message="Accent not found for this voice")
        if "narration_style_id" in data:
            style = next((s for s in voice.narration_styles.all() if s.pk == data["narration_style_id"]), None)
            if style is None:
                raise ApiError("not_found", message="Narration style not found for this voice")
        services.update_voice_settings(
            request.user,
            voice,
            accent=accent,
            narration_style=style,
            semitones_correction=data.get("semitones_correction"),
        )
        return DialectResponse(_voice_body(request, voice))


class AccentSamplesView(DialectView):
    dialect = CONVERSIONS

    @extend_schema(
        tags=["accents"], parameters=[AccentSamplesQuery], responses=SamplesOutput, summary="Accent Get Samples"
    )
    def get(self, request):
        query = validated(AccentSamplesQuery, request.query_params)
        accent = selectors.accent_for_user(request.user, query["accent_id"])
        if accent is None:
            raise ApiError("not_found", message="Accent not found")
        samples = services.sample_urls(
            accent.sample_key, accent.sample_duration, f"{accent.voice.slug}-{accent.short_name}", request=request
        )
        return DialectResponse({"samples": samples})


class NarrationStyleSamplesView(DialectView):
    dialect = CONVERSIONS

    @extend_schema(
        tags=["narration-styles"],
        parameters=[NarrationStyleSamplesQuery],
        responses=SamplesOutput,
        summary="Narration Style Get Samples",
    )
    def get(self, request):
        query = validated(NarrationStyleSamplesQuery, request.query_params)
        style = selectors.narration_style_for_user(request.user, query["narration_style_id"])
        if style is None:
            raise ApiError("not_found", message="Narration style not found")
        samples = services.sample_urls(
            style.sample_key, style.sample_duration, f"{style.voice.slug}-{style.name}", request=request
        )
        return DialectResponse({"samples": samples})
