"""The Voices.com Partner API v4 (HTTP only: parse, call a selector or service, render),
and the public pages its talent and demo URLs point at."""

from __future__ import annotations

import time

from django.http import Http404
from django.shortcuts import render
from csp.decorators import csp_replace
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.body_limits import upload_body_limit
from core.dialects import PARTNERS, DialectResponse, DialectView, ResponseMeta
from core.dialects.partners import (
    JOB_ID_NOT_NUMBER,
    JOB_NOT_ASSOCIATED,
    MODE_LIVE,
    PROGRAM_ID_NOT_NUMBER,
    PROGRAM_NOT_ASSOCIATED,
    TALENT_ID_NOT_NUMBER,
    TALENT_NOT_ASSOCIATED,
    partner_error,
    request_mode,
)
from core.http import serve_file
from core.parsers import JSONParser
from core.storage import object_storage

from . import selectors, serializers, services
from .authentication import KEY_HEADER, IsPartner, PartnerKeyAuthentication, PartnerKeyThrottle


# Ids are numbers; the routes take any text so that a non-number is answered with its documented
# error code (100, 101, 102) rather than a bare 404.
PROGRAM_ID = OpenApiParameter("program_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
JOB_ID = OpenApiParameter("job_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
TALENT_ID = OpenApiParameter("talent_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)
TEST_MODE = OpenApiParameter("TEST-MODE", int, OpenApiParameter.HEADER, required=False, enum=[0, 1],
                             description="1 forces test mode: writes are validated and nothing is saved. 0 or no header: the "
                             "account's mode. Any other value is a 400.")


class PartnerView(DialectView):
    """Every Partner API endpoint: X-API-KEY, per-key rate limit, the partners dialect, the audit log."""

    dialect = PARTNERS
    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [IsPartner]
    throttle_classes = [PartnerKeyThrottle]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        self.started = time.monotonic()
        return super().initialize_request(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        api_key = getattr(request, "partner_key", None)
        services.record_call(
            partner=getattr(request, "partner", None),
            api_key=api_key,
            key_prefix=api_key.prefix if api_key else services.key_prefix_of(request.headers.get(KEY_HEADER) or ""),
            method=request.method,
            endpoint=request.path,
            mode=request_mode(request),
            status=response.status_code,
            duration_ms=int((time.monotonic() - self.started) * 1000),
        )
        return response

    @property
    def live(self) -> bool:
        return self.request.partner_mode == MODE_LIVE

    @property
    def actor(self) -> str:
        return f"key {self.request.partner_key.prefix}"

    def program_or_error(self, raw_id: str):
        program = selectors.program_for(self.request.partner, serializers.parse_id(raw_id, PROGRAM_ID_NOT_NUMBER))
        if program is None:
            raise partner_error(PROGRAM_NOT_ASSOCIATED)
        return program


class ProgramListView(PartnerView):
    """All programs associated with the authenticated partner."""

    @extend_schema(parameters=[TEST_MODE], responses=serializers.ProgramOut(many=True))
    def get(self, request):
        programs = selectors.programs_for(request.partner)
        return DialectResponse(serializers.ProgramOut(programs, many=True).data)


class ProgramDetailView(PartnerView):
    """One program of the partner. Errors: 100, 120."""

    @extend_schema(parameters=[TEST_MODE, PROGRAM_ID], responses=serializers.ProgramOut)
    def get(self, request, program_id):
        return DialectResponse(serializers.ProgramOut(self.program_or_error(program_id)).data)


class ProgramJobsView(PartnerView):
    """Every job of one of the partner's programs. Errors: 100, 120."""

    @extend_schema(parameters=[TEST_MODE, PROGRAM_ID], responses=serializers.JobOut(many=True))
    def get(self, request, program_id):
        jobs = selectors.jobs_of_program(self.program_or_error(program_id))
        return DialectResponse(serializers.JobOut(jobs, many=True, context={"request": request}).data)


class ProgramTalentsView(PartnerView):
    """The talents of one of the partner's programs, with their demos. Errors: 100, 120."""

    @extend_schema(parameters=[TEST_MODE, PROGRAM_ID], responses=serializers.TalentOut(many=True))
    def get(self, request, program_id):
        talents = selectors.talents_of_program(self.program_or_error(program_id))
        return DialectResponse(serializers.TalentOut(talents, many=True, context={"request": request}).data)


class TalentDetailView(PartnerView):
    """One talent of the partner's programs. Errors: 102, 122."""

    @extend_schema(parameters=[TEST_MODE, TALENT_ID], responses=serializers.TalentOut)
    def get(self, request, talent_id):
        talent = selectors.talent_for(request.partner, serializers.parse_id(talent_id, TALENT_ID_NOT_NUMBER))
        if talent is None:
            raise partner_error(TALENT_NOT_ASSOCIATED)
        # The documentation gives this single talent a data_count of 1.
        return DialectResponse(serializers.TalentOut(talent, context={"request": request}).data,
                               meta=ResponseMeta(count=1))


class JobCreateView(PartnerView):
    """Create a job (JSON or multipart). Errors: 100, 102, 104, 105, 106, 120, 122, 123, 140-143; notice 240.
    In test mode nothing is created and job_id is null."""
    idempotent_post = True

    max_body_bytes = upload_body_limit("PARTNERS_SCRIPT_MAX_BYTES")

    @extend_schema(parameters=[TEST_MODE], request={"application/json": serializers.JobCreateIn,
                                                    "multipart/form-data": serializers.JobCreateIn},
                   responses={201: serializers.JobCreatedOut})
    def post(self, request):
        job_request = serializers.job_request_from(request)
        created = services.create_job(request.partner, job_request, live=self.live, actor=self.actor)
        job_id = created.job.pk if created.job is not None else None
        return DialectResponse({"job_id": job_id}, status=201, meta=ResponseMeta(notices=created.notices))


class JobDetailView(PartnerView):
    """One job of the partner. Errors: 101, 121."""

    @extend_schema(parameters=[TEST_MODE, JOB_ID], responses=serializers.JobOut)
    def get(self, request, job_id):
        job = selectors.job_for(request.partner, serializers.parse_id(job_id, JOB_ID_NOT_NUMBER))
        if job is None:
            raise partner_error(JOB_NOT_ASSOCIATED)
        return DialectResponse(serializers.JobOut(job, context={"request": request}).data)


class JobApproveView(PartnerView):
    """Approve the delivered file: status approved. Errors: 101, 121, 144."""

    @extend_schema(parameters=[TEST_MODE, JOB_ID], request=None, responses={204: None})
    def post(self, request, job_id):
        services.approve_job(request.partner, serializers.parse_id(job_id, JOB_ID_NOT_NUMBER), live=self.live,
                             actor=self.actor)
        return Response(status=204)


class JobEditView(PartnerView):
    """Request an edit: status edit, edit_count + 1, notes kept; past the program's edit limit the
    program manager is emailed once. Errors: 101, 121, 103, 146, 147, 145."""

    @extend_schema(parameters=[TEST_MODE, JOB_ID], request=serializers.EditFileIn, responses={204: None})
    def post(self, request, job_id):
        services.request_edit(request.partner, serializers.parse_id(job_id, JOB_ID_NOT_NUMBER),
                              serializers.edit_notes_from(request), live=self.live, actor=self.actor)
        return Response(status=204)


# --- public pages: talent profiles, avatars, demo audio and embeddable players ------------------
PLAYER_LAYOUTS = {
    "voices-standard": {"theme": "voices", "timer": True, "complete": False},
    "light-standard": {"theme": "light", "timer": False, "complete": False},
    "light-standard-timer": {"theme": "light", "timer": True, "complete": False},
    "light-standard-complete": {"theme": "light", "timer": True, "complete": True},
    "dark-standard": {"theme": "dark", "timer": False, "complete": False},
    "dark-standard-timer": {"theme": "dark", "timer": True, "complete": False},
    "dark-standard-complete": {"theme": "dark", "timer": True, "complete": True},
}


# Players and talent pages are made to be framed on partners' sites; the rest of the policy stays.
_embeddable_anywhere = csp_replace({"frame-ancestors": ["*"]})


@require_GET
def demo_audio(request, public_id):
    demo = selectors.demo_by_public_id(public_id)
    if demo is None or not object_storage.exists(demo.audio_key):
        raise Http404("No such demo")
    return serve_file(request, object_storage.open(demo.audio_key), size=demo.size, content_type=demo.content_type,
                      etag=demo.sha256, cache_seconds=3600)


@require_GET
@xframe_options_exempt
@_embeddable_anywhere
def demo_player(request, public_id, style):
    layout = PLAYER_LAYOUTS.get(style)
    demo = selectors.demo_by_public_id(public_id)
    if layout is None or demo is None:
        raise Http404("No such player")
    return render(request, "partners/player.html", {"demo": demo, "talent": demo.talent, "style": style, **layout})


@require_GET
@xframe_options_exempt
@_embeddable_anywhere
def talent_page(request, public_id):
    talent = selectors.talent_by_public_id(public_id)
    if talent is None:
        raise Http404("No such talent")
    return render(request, "partners/talent.html", {"talent": talent})


@require_GET
def talent_avatar(request, public_id):
    talent = selectors.talent_by_public_id(public_id)
    if talent is None or not talent.avatar_key or not object_storage.exists(talent.avatar_key):
        raise Http404("No avatar")
    return serve_file(request, object_storage.open(talent.avatar_key), size=object_storage.size(talent.avatar_key),
                      content_type=talent.avatar_content_type, cache_seconds=3600)
