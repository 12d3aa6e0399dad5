"""Input parsing and output serializers of the Partner API."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import ids
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

from . import scripts
from .models import Job
from .services import JobRequest

# Ids are positive 64-bit integers; a larger number is a number that names no row.
NO_SUCH_ID = 0

PLAYER_STYLES = (
    "voices_standard",
    "light_standard",
    "light_standard_timer",
    "light_standard_complete",
    "dark_standard",
    "dark_standard_timer",
    "dark_standard_complete",
)


# --- input -------------------------------------------------------------------------------
def parse_id(value, code: int) -> int:
    """An id given as ASCII digits (path, form field or JSON string) or a JSON integer; else error ``code``."""
    number = ids.parse_id(value)
    if number is None:
        raise partner_error(code)
    return number if number <= ids.MAX_ID else NO_SUCH_ID


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
            raise ApiError("too_large", message=f"The script file may be at most {settings.PARTNERS_SCRIPT_MAX_BYTES} bytes.")
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
# Views pass the request in the context (signed script URLs, absolute talent and demo URLs).
class ProgramOut(serializers.Serializer):
    program_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    description = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()


class ScriptFileOut(serializers.Serializer):
    name = serializers.CharField(source="script_file_name")
    url = serializers.SerializerMethodField(help_text="Signed, expiring download link.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job) -> str:
        return object_storage.signed_url(job.script_file_key, filename=job.script_file_name,
                                         content_type=job.script_file_type, request=self.context["request"])


class JobOut(serializers.Serializer):
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


def _absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(f"partners:{name}", kwargs=kwargs))


@extend_schema_field(OpenApiTypes.URI)
class PageUrlField(serializers.Field):
    """The absolute URL of one of the public partner pages of the object (by its ``public_id``)."""

    def __init__(self, url_name: str, player_style: str | None = None, **kwargs):
        self.url_name = url_name
        self.player_style = player_style
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj) -> str:
        kwargs = {"public_id": obj.public_id}
        if self.player_style is not None:
            kwargs["style"] = self.player_style
        return _absolute(self.context["request"], self.url_name, **kwargs)


# The demo's audio and one embeddable player per documented style.
DemoUrlsOut = type("DemoUrlsOut", (serializers.Serializer,), {
    "audio_url": PageUrlField("demo-audio"),
    **{style: PageUrlField("demo-player", player_style=style.replace("_", "-")) for style in PLAYER_STYLES},
})


class DemoOut(serializers.Serializer):
    url = DemoUrlsOut(source="*")
    tags = serializers.ListField(child=serializers.CharField())


class TalentOut(serializers.Serializer):
    talent_id = serializers.IntegerField(source="pk")
    talent_url = PageUrlField("talent-page")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    gender = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    feedback = serializers.CharField()
    avatar = serializers.SerializerMethodField()
    demo = DemoOut(source="demos", many=True)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_avatar(self, talent) -> str | None:
        if not talent.avatar_key:
            return None
        return _absolute(self.context["request"], "talent-avatar", public_id=talent.public_id)


class JobCreatedOut(serializers.Serializer):
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
