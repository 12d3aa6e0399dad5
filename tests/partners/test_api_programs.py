"""GET /programs, /programs/:program_id, /programs/:program_id/jobs and /jobs/:job_id."""

from datetime import date
from decimal import Decimal

import pytest

from tests.partners.conftest import PREFIX, PartnerClient

pytestmark = pytest.mark.django_db


def test_list_programs_returns_every_documented_field(partner, make_program, live_client):
    first = make_program(
        partner, name="First", unit_price=Decimal("12.50"), start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    make_program(partner, name="Second")
    response = live_client.get(f"{PREFIX}/programs")
    assert response.status_code == 200
    body = response.json()
    assert body["data_count"] == 2 and body["mode"] == "live"
    assert body["data"][0] == {
        "program_id": first.pk,
        "name": "First",
        "description": "Short product explainers",
        "unit_price": "12.50",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "created": first.created.isoformat().replace("+00:00", "Z"),
        "updated": first.updated.isoformat().replace("+00:00", "Z"),
    }
    assert [row["name"] for row in body["data"]] == ["First", "Second"]


def test_list_programs_only_shows_the_callers_programs(partner, make_partner, make_program, live_client):
    other = make_partner("Other Co")
    make_program(other, name="Not yours")
    body = live_client.get(f"{PREFIX}/programs").json()
    assert body == {"data": [], "data_count": 0, "mode": "live"}


def test_list_programs_constant_query_count(partner, make_program, live_client, django_assert_max_num_queries):
    make_program(partner)
    with django_assert_max_num_queries(4) as small:
        live_client.get(f"{PREFIX}/programs")
    for index in range(20):
        make_program(partner, name=f"Program {index}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert live_client.get(f"{PREFIX}/programs").json()["data_count"] == 21


def test_single_program(program, live_client):
    response = live_client.get(f"{PREFIX}/programs/{program.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "mode"}
    assert body["data"]["program_id"] == program.pk and body["data"]["name"] == program.name


@pytest.mark.parametrize("raw", ["abc", "1.5", "-1", "1e3", "%20", "0x10", "١"])
def test_program_id_must_be_a_number_100(raw, program, live_client):
    for suffix in ("", "/jobs", "/talents"):
        response = live_client.get(f"{PREFIX}/programs/{raw}{suffix}")
        assert response.status_code == 400, (raw, suffix)
        assert response.json() == {"error": {"code": 100, "message": "Program ID must be a number"}, "mode": "live"}


@pytest.mark.parametrize("suffix", ["", "/jobs", "/talents"])
def test_program_of_another_partner_is_120(suffix, make_partner, make_program, live_client):
    foreign = make_program(make_partner("Other Co"))
    for program_id in (foreign.pk, 999999, 2**70):
        response = live_client.get(f"{PREFIX}/programs/{program_id}{suffix}")
        assert response.status_code == 403
        assert response.json() == {
            "error": {"code": 120, "message": "Program is not associated with your account"},
            "mode": "live",
        }


def test_list_jobs_of_a_program(program, talent, make_job, live_client, local_storage):
    from core.storage import object_storage
    from partners.models import Job

    plain = make_job(program, talent, sample_script="Read this", job_description="Calm")
    stored = object_storage.put_bytes("partners/test/script.txt", b"Hello script", "text/plain")
    with_file = make_job(
        program,
        talent,
        sample_script="",
        script_file_key=stored.key,
        script_file_name="script.txt",
        script_file_type="text/plain",
        status=Job.Status.EDIT,
        edit_count=2,
    )
    response = live_client.get(f"{PREFIX}/programs/{program.pk}/jobs")
    assert response.status_code == 200
    body = response.json()
    assert body["data_count"] == 2 and body["mode"] == "live"
    first, second = body["data"]
    assert first == {
        "job_id": plain.pk,
        "program_id": program.pk,
        "talent_id": talent.pk,
        "sample_script": "Read this",
        "script_file": None,
        "job_description": "Calm",
        "job_status": "new",
        "edit_count": 0,
        "created": plain.created.isoformat().replace("+00:00", "Z"),
        "updated": plain.updated.isoformat().replace("+00:00", "Z"),
    }
    assert second["job_id"] == with_file.pk and second["job_status"] == "edit" and second["edit_count"] == 2
    assert second["script_file"]["name"] == "script.txt"
    download = live_client.get(second["script_file"]["url"].replace("http://testserver", ""))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"Hello script"


def test_list_jobs_is_empty_array_without_jobs(program, live_client):
    assert live_client.get(f"{PREFIX}/programs/{program.pk}/jobs").json() == {
        "data": [],
        "data_count": 0,
        "mode": "live",
    }


def test_list_jobs_constant_query_count(program, talent, make_job, live_client, django_assert_max_num_queries):
    make_job(program, talent)
    with django_assert_max_num_queries(6) as small:
        live_client.get(f"{PREFIX}/programs/{program.pk}/jobs")
    for _ in range(30):
        make_job(program, talent)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert live_client.get(f"{PREFIX}/programs/{program.pk}/jobs").json()["data_count"] == 31


def test_single_job(program, talent, make_job, live_client):
    job = make_job(program, talent)
    response = live_client.get(f"{PREFIX}/jobs/{job.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "mode"}
    assert body["data"]["job_id"] == job.pk and body["data"]["job_status"] == "new"
    assert set(body["data"]) == {
        "job_id",
        "program_id",
        "talent_id",
        "sample_script",
        "script_file",
        "job_description",
        "job_status",
        "edit_count",
        "created",
        "updated",
    }


@pytest.mark.parametrize("raw", ["abc", "12a", "-3", "1.0"])
def test_job_id_must_be_a_number_101(raw, live_client):
    response = live_client.get(f"{PREFIX}/jobs/{raw}")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": 101, "message": "Job ID must be a number"}, "mode": "live"}


def test_job_of_another_partner_is_121(make_partner, make_program, make_talent, make_job, live_client):
    foreign_program = make_program(make_partner("Other Co"))
    foreign_job = make_job(foreign_program, make_talent(foreign_program))
    for job_id in (foreign_job.pk, 424242):
        response = live_client.get(f"{PREFIX}/jobs/{job_id}")
        assert response.status_code == 403
        assert response.json()["error"] == {"code": 121, "message": "Job is not associated with your account"}


def test_reads_work_in_test_mode_with_the_notice(make_partner, make_program):
    partner = make_partner(live=False)
    program = make_program(partner)
    body = PartnerClient(partner.key).get(f"{PREFIX}/programs/{program.pk}").json()
    assert body["mode"] == "test" and body["data"]["program_id"] == program.pk
    assert body["notices"] == [{"code": 200, "message": "Test mode enabled"}]


def test_trailing_slash_is_accepted(program, live_client):
    assert live_client.get(f"{PREFIX}/programs/").status_code == 200
    assert live_client.get(f"{PREFIX}/programs/{program.pk}/").status_code == 200


def test_absurdly_long_ids_are_numbers_naming_nothing(program, talent, make_job, live_client):
    job = make_job(program, talent)
    long_number = "9" * 5000
    assert live_client.get(f"{PREFIX}/programs/{long_number}").json()["error"]["code"] == 120
    assert live_client.get(f"{PREFIX}/jobs/{long_number}").json()["error"]["code"] == 121
    assert live_client.get(f"{PREFIX}/talents/{long_number}").json()["error"]["code"] == 122
    assert live_client.get(f"{PREFIX}/programs/{'0' * 40}{program.pk}").json()["data"]["program_id"] == program.pk
    assert live_client.get(f"{PREFIX}/jobs/{'0' * 40}{job.pk}").status_code == 200


def test_openapi_schema_describes_the_partner_api_as_built(
    program, talent, make_job, live_client, short_mp3, local_storage
):
    """The document declares exactly the fields the endpoints return, and each response validates."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partners.talents import services
    from tests.openapi import assert_matches, document, resolve

    job = make_job(
        program,
        talent,
        script_file_key="partners/scripts/x.txt",
        script_file_name="script.txt",
        script_file_type="text/plain",
    )
    services.add_demo(
        talent,
        SimpleUploadedFile("demo.mp3", short_mp3.read_bytes(), content_type="audio/mpeg"),
        title="Commercial",
        tags=["warm"],
    )
    for path, template in [
        (f"{PREFIX}/programs/{program.pk}", "/v4/partners/programs/{program_id}"),
        (f"{PREFIX}/jobs/{job.pk}", "/v4/partners/jobs/{job_id}"),
        (f"{PREFIX}/talents/{talent.pk}", "/v4/partners/talents/{talent_id}"),
        (f"{PREFIX}/programs/{program.pk}/jobs", "/v4/partners/programs/{program_id}/jobs"),
        (f"{PREFIX}/programs/{program.pk}/talents", "/v4/partners/programs/{program_id}/talents"),
    ]:
        response = live_client.get(path)
        assert_matches(response, "get", template)
        data = response.json()["data"]
        row = data[0] if isinstance(data, list) else data
        declared = resolve(
            document()["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
                "properties"
            ]["data"]
        )
        item = resolve(declared["items"]) if declared.get("type") == "array" else declared
        assert set(item["properties"]) == set(row), path
    assert set(resolve(document()["components"]["schemas"]["ScriptFileOut"])["properties"]) == set(
        live_client.get(f"{PREFIX}/jobs/{job.pk}").json()["data"]["script_file"]
    )
    talent_row = live_client.get(f"{PREFIX}/talents/{talent.pk}").json()["data"]
    demo = resolve(resolve(document()["components"]["schemas"]["DemoOut"])["properties"]["url"])
    assert talent_row["demo"] and set(demo["properties"]) == set(talent_row["demo"][0]["url"])
    paths = {path for path in document()["paths"] if path.startswith("/v4/partners/")}
    assert {
        "/v4/partners/programs",
        "/v4/partners/jobs",
        "/v4/partners/jobs/{job_id}/editFile",
        "/v4/partners/talents/{talent_id}",
    } <= {path.rstrip("/") for path in paths}
    assert document()["components"]["securitySchemes"]["partnerApiKey"]["name"] == "X-API-KEY"
