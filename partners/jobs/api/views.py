"""GET /programs/{id}/jobs, POST /jobs, GET /jobs/{id}, approveFile and editFile (HTTP only)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.body_limits import upload_body_limit
from core.dialects import DialectResponse, ResponseMeta
from core.dialects.partners import JOB_ID_NOT_NUMBER, JOB_NOT_ASSOCIATED, partner_error
from partners.api_base import JOB_ID, PROGRAM_ID, TEST_MODE, PartnerView, parse_id

from .. import selectors, services
from . import serializers


class ProgramJobsView(PartnerView):
    """Every job of one of the partner's programs. Errors: 100, 120."""

    @extend_schema(parameters=[TEST_MODE, PROGRAM_ID], responses=serializers.JobOut(many=True))
    def get(self, request, program_id):
        jobs = selectors.jobs_of_program(self.program_or_error(program_id))
        return DialectResponse(serializers.JobOut(jobs, many=True, context={"request": request}).data)


class JobCreateView(PartnerView):
    """Create a job (JSON or multipart). Errors: 100, 102, 104, 105, 106, 120, 122, 123, 140-143; notice 240.
    In test mode nothing is created and job_id is null."""

    idempotent_post = True

    max_body_bytes = upload_body_limit("PARTNERS_SCRIPT_MAX_BYTES")

    @extend_schema(
        parameters=[TEST_MODE],
        request={"application/json": serializers.JobCreateIn, "multipart/form-data": serializers.JobCreateIn},
        responses={201: serializers.JobCreatedOut},
    )
    def post(self, request):
        job_request = serializers.job_request_from(request)
        created = services.create_job(request.partner, job_request, live=self.live, actor=self.actor)
        job_id = created.job.pk if created.job is not None else None
        return DialectResponse({"job_id": job_id}, status=201, meta=ResponseMeta(notices=created.notices))


class JobDetailView(PartnerView):
    """One job of the partner. Errors: 101, 121."""

    @extend_schema(parameters=[TEST_MODE, JOB_ID], responses=serializers.JobOut)
    def get(self, request, job_id):
        job = selectors.job_for(request.partner, parse_id(job_id, JOB_ID_NOT_NUMBER))
        if job is None:
            raise partner_error(JOB_NOT_ASSOCIATED)
        return DialectResponse(serializers.JobOut(job, context={"request": request}).data)


class JobApproveView(PartnerView):
    """Approve the delivered file: status approved. Errors: 101, 121, 144."""

    @extend_schema(parameters=[TEST_MODE, JOB_ID], request=None, responses={204: None})
    def post(self, request, job_id):
        services.approve_job(request.partner, parse_id(job_id, JOB_ID_NOT_NUMBER), live=self.live, actor=self.actor)
        return Response(status=204)


class JobEditView(PartnerView):
    """Request an edit: status edit, edit_count + 1, notes kept; past the program's edit limit the
    program manager is emailed once. Errors: 101, 121, 103, 146, 147, 145."""

    @extend_schema(parameters=[TEST_MODE, JOB_ID], request=serializers.EditFileIn, responses={204: None})
    def post(self, request, job_id):
        services.request_edit(
            request.partner,
            parse_id(job_id, JOB_ID_NOT_NUMBER),
            serializers.edit_notes_from(request),
            live=self.live,
            actor=self.actor,
        )
        return Response(status=204)
