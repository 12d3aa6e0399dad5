"""Input parsing and output serializers of the job endpoints."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dialects import ApiError
from core.dialects.partners import (
    INVALID_FILE_TYPE,
    JOB_DESCRIPTION_REQUIRED,
    PROGRAM_ID_NOT_NUMBER,
    SCRIPT_REQUIRED,
    TALENT_ID_NOT_NUMBER,
    partner_error,
)
from core.storage import object_storage
from core.serializers import Serializer
from partners.api_base import parse_id

from .. import scripts
from ..models import Job
from ..services import JobRequest


# --- input -------------------------------------------------------------------------------
def _text(data: Mapping, name: str) -> str:
    value = data.get(name)
    # PostgreSQL text cannot hold NUL; no script or note needs one.
    return value.replace("\x00", "") if isinstance(value, str) else ""


def _body(request) -> Mapping:
    return request.data if isinstance(request.data, Mapping) else {}


def job_request_from(request) -> JobRequest:
    """The fields of POST /jobs, checked in the documented order of their error codes."""
    data = _body(request)
    program_id = parse_id(data.get("program_id"), PROGRAM_ID_NOT_NUMBER)
    talent_id = parse_id(data.get("talent_id"), TALENT_ID_NOT_NUMBER)
    sample_script = _text(data, "sample_script")
    script = data.get("script_file")
    upload = script if isinstance(script, UploadedFile) and script.size else None
    supplied_other = not isinstance(script, UploadedFile) and script not in (None, "")
    if upload is None and not supplied_other and not sample_script.strip():
        raise partner_error(SCRIPT_REQUIRED)
    script_type = None
    if supplied_other:
        # A JSON body cannot carry a file; script files are sent as multipart/form-data.
        raise partner_error(INVALID_FILE_TYPE, types=scripts.ACCEPTED_NAMES)
    if upload is not None:
        if upload.size > settings.PARTNERS_SCRIPT_MAX_BYTES:
            raise ApiError(
                "too_large", message=f"The script file may be at most {settings.PARTNERS_SCRIPT_MAX_BYTES} bytes."
            )
        script_type = scripts.detect(upload)
        if script_type is None:
            raise partner_error(INVALID_FILE_TYPE, types=scripts.ACCEPTED_NAMES)
    job_description = _text(data, "job_description")
    if not job_description.strip():
        raise partner_error(JOB_DESCRIPTION_REQUIRED)
    return JobRequest(
        program_id=program_id,
        talent_id=talent_id,
        job_description=job_description,
        sample_script=sample_script,
        script_file=upload,
        script_file_name=upload.name if upload is not None else "",
        script_type=script_type,
    )


def edit_notes_from(request) -> str:
    # Whether notes are required is the service's rule (it checks the job first: 121 before 103).
    return _text(_body(request), "edit_notes")


# --- output ------------------------------------------------------------------------------
# One serializer per output: drf-spectacular documents exactly what the endpoints return.
# Views pass the request in the context (signed script URLs).


class ScriptFileOut(Serializer):
    name = serializers.CharField(source="script_file_name")
    url = serializers.SerializerMethodField(help_text="Signed, expiring download link.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job) -> str:
        return object_storage.signed_url(
            job.script_file_key,
            filename=job.script_file_name,
            content_type=job.script_file_type,
            request=self.context["request"],
        )


class JobOut(Serializer):
    job_id = serializers.IntegerField(source="pk")
    program_id = serializers.IntegerField()
    talent_id = serializers.IntegerField()
    sample_script = serializers.CharField()
    script_file = serializers.SerializerMethodField()
    job_description = serializers.CharField()
    job_status = serializers.ChoiceField(source="status", choices=Job.Status.choices)
    edit_count = serializers.IntegerField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()

    @extend_schema_field(ScriptFileOut(allow_null=True))
    def get_script_file(self, job) -> dict | None:
        return ScriptFileOut(job, context=self.context).data if job.script_file_key else None


class JobCreatedOut(Serializer):
    job_id = serializers.IntegerField(allow_null=True, help_text="null in test mode: nothing was created.")


# --- the request bodies, for the OpenAPI document ------------------------------------------
# job_request_from and edit_notes_from read the bodies themselves: each missing or wrong field
# has its documented error code, checked in the documented order, which a serializer's
# all-fields-at-once validation would not give.
class JobCreateIn(serializers.Serializer):
    program_id = serializers.IntegerField(min_value=1, help_text="Anything but a number is error 100.")
    talent_id = serializers.IntegerField(min_value=1, help_text="Anything but a number is error 102.")
    script_file = serializers.FileField(required=False, help_text="txt, rtf, pdf, docx or odt (checked by content).")
    sample_script = serializers.CharField(required=False)
    job_description = serializers.CharField()


class EditFileIn(serializers.Serializer):
    edit_notes = serializers.CharField()
