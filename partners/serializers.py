"""Input parsing and output shapes of the Partner API.

Output is built by plain functions: a program's job list may hold tens of thousands
of rows, and these shapes have no nesting that a serializer class would help with.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse

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
def _timestamp(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def program_data(program) -> dict:
    return {
        "program_id": program.pk,
        "name": program.name,
        "description": program.description,
        "unit_price": str(program.unit_price),
        "start_date": program.start_date.isoformat(),
        "end_date": program.end_date.isoformat(),
        "created": _timestamp(program.created),
        "updated": _timestamp(program.updated),
    }


def job_data(job, request) -> dict:
    script_file = None
    if job.script_file_key:
        script_file = {
            "name": job.script_file_name,
            "url": object_storage.signed_url(job.script_file_key, filename=job.script_file_name,
                                             content_type=job.script_file_type, request=request),
        }
    return {
        "job_id": job.pk,
        "program_id": job.program_id,
        "talent_id": job.talent_id,
        "sample_script": job.sample_script,
        "script_file": script_file,
        "job_description": job.job_description,
        "job_status": job.status,
        "edit_count": job.edit_count,
        "created": _timestamp(job.created),
        "updated": _timestamp(job.updated),
    }


def _absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(f"partners:{name}", kwargs=kwargs))


def demo_data(demo, request) -> dict:
    urls = {"audio_url": _absolute(request, "demo-audio", public_id=demo.public_id)}
    for style in PLAYER_STYLES:
        urls[style] = _absolute(request, "demo-player", public_id=demo.public_id, style=style.replace("_", "-"))
    return {"url": urls, "tags": list(demo.tags)}


def talent_data(talent, request) -> dict:
    return {
        "talent_id": talent.pk,
        "talent_url": _absolute(request, "talent-page", public_id=talent.public_id),
        "first_name": talent.first_name,
        "last_name": talent.last_name,
        "gender": talent.gender,
        "languages": list(talent.languages),
        "feedback": talent.feedback,
        "avatar": _absolute(request, "talent-avatar", public_id=talent.public_id) if talent.avatar_key else None,
        "demo": [demo_data(demo, request) for demo in talent.demos.all()],
    }
