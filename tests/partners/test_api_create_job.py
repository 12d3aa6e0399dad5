"""POST /jobs: every documented error and notice, credit, files checked by content, test mode."""

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.storage import object_storage
from partners.models import Job, JobEvent, LedgerEntry, Partner
from tests.media import image_bytes
from tests.partners.conftest import PREFIX, PartnerClient

pytestmark = pytest.mark.django_db

ACCEPTED = "txt, rtf, pdf, docx, odt"


def _zip(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (255, 255, 255)).save(buffer, format="PDF")
    return buffer.getvalue()


SCRIPTS = {
    "txt": ("script.txt", "Hello, this is the script. Ça va?\n".encode()),
    "rtf": ("script.rtf", b"{\\rtf1\\ansi Hello script}"),
    "pdf": ("script.pdf", pdf_bytes()),
    "docx": ("script.docx", _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})),
    "odt": ("script.odt", _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})),
}


def payload(program, talent, **overrides):
    body = {
        "program_id": str(program.pk),
        "talent_id": str(talent.pk),
        "sample_script": "Hello world",
        "job_description": "Warm, friendly read",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def snapshot(partner):
    partner.refresh_from_db()
    return (
        Job.objects.count(),
        JobEvent.objects.count(),
        LedgerEntry.objects.count(),
        partner.balance,
        len(object_storage.list("partners")),
    )


def error(response):
    return response.status_code, response.json()["error"]["code"]


# --- success --------------------------------------------------------------------------------
def test_create_job_from_json_charges_the_unit_price(partner, program, talent, live_client, local_storage):
    response = live_client.post(f"{PREFIX}/jobs", payload(program, talent), format="json")
    assert response.status_code == 201, response.content
    job = Job.objects.get()
    assert response.json() == {"data": {"job_id": job.pk}, "mode": "live"}
    assert (job.program, job.talent, job.status, job.sample_script) == (program, talent, "new", "Hello world")
    partner.refresh_from_db()
    assert partner.balance == Decimal("100.00")
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.balance_after, entry.job) == (
        "charge",
        Decimal("100.00"),
        Decimal("100.00"),
        job,
    )
    assert list(job.events.values_list("kind", flat=True)) == ["created"]
    assert live_client.get(f"{PREFIX}/jobs/{job.pk}").json()["data"]["job_status"] == "new"


def test_integer_ids_in_json_are_numbers_too(program, talent, live_client, local_storage):
    response = live_client.post(
        f"{PREFIX}/jobs", payload(program, talent, program_id=program.pk, talent_id=talent.pk), format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("kind", sorted(SCRIPTS))
def test_create_job_with_a_script_file_multipart(kind, program, talent, live_client, local_storage):
    name, content = SCRIPTS[kind]
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = live_client.post(
        f"{PREFIX}/jobs", payload(program, talent, sample_script=None, script_file=upload), format="multipart"
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["data"]["job_id"])
    assert job.script_file_name == name
    assert job.script_file_key.endswith(f".{kind}")
    with object_storage.open(job.script_file_key) as stored:
        assert stored.read() == content
    listed = live_client.get(f"{PREFIX}/jobs/{job.pk}").json()["data"]["script_file"]
    assert listed["name"] == name
    download = live_client.get(listed["url"].replace("http://testserver", ""))
    assert b"".join(download.streaming_content) == content


# --- 100 / 102 / 104 / 105 / 106 -------------------------------------------------------------
@pytest.mark.parametrize("value", [None, "", "abc", "1.5", True, 2.0, [1], {"id": 1}])
def test_program_id_must_be_a_number_100(value, program, talent, live_client):
    body = payload(program, talent)
    body["program_id"] = value
    response = live_client.post(f"{PREFIX}/jobs", body, format="json")
    assert error(response) == (400, 100)
    assert response.json()["error"]["message"] == "Program ID must be a number"


@pytest.mark.parametrize("value", [None, "x1", "-2", False])
def test_talent_id_must_be_a_number_102(value, program, talent, live_client):
    body = payload(program, talent)
    body["talent_id"] = value
    response = live_client.post(f"{PREFIX}/jobs", body, format="json")
    assert error(response) == (400, 102)
    assert response.json()["error"]["message"] == "Talent ID must be a number"


def test_script_file_or_sample_script_required_104(program, talent, live_client):
    for overrides in ({"sample_script": None}, {"sample_script": "   "}):
        response = live_client.post(f"{PREFIX}/jobs", payload(program, talent, **overrides), format="json")
        assert error(response) == (400, 104)
        assert response.json()["error"]["message"] == "Script file or sample script must be provided"
    empty = SimpleUploadedFile("empty.txt", b"", content_type="text/plain")
    response = live_client.post(
        f"{PREFIX}/jobs", payload(program, talent, sample_script=None, script_file=empty), format="multipart"
    )
    assert error(response) == (400, 104)


@pytest.mark.parametrize(
    "name, content",
    [
        ("script.txt", image_bytes()),  # a PNG named .txt: the name does not decide
        ("script.pdf", b"%PDF-1.4 truncated without a trailer"),
        ("script.docx", _zip({"other.xml": "<x/>"})),
        ("script.txt", b"binary\x00\x01\x02 data"),
        ("script.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
    ],
)
def test_script_file_type_checked_by_content_105(name, content, program, talent, live_client, local_storage):
    upload = SimpleUploadedFile(name, content, content_type="text/plain")
    response = live_client.post(f"{PREFIX}/jobs", payload(program, talent, script_file=upload), format="multipart")
    assert error(response) == (400, 105)
    assert response.json()["error"]["message"] == f"Invalid file type (accepted types: {ACCEPTED})"
    assert Job.objects.count() == 0 and object_storage.list("partners") == []


def test_a_script_file_field_in_json_is_not_a_file_105(program, talent, live_client):
    response = live_client.post(f"{PREFIX}/jobs", payload(program, talent, script_file="script.txt"), format="json")
    assert error(response) == (400, 105)


def test_job_description_required_106(program, talent, live_client):
    for overrides in ({"job_description": None}, {"job_description": ""}, {"job_description": 42}):
        response = live_client.post(f"{PREFIX}/jobs", payload(program, talent, **overrides), format="json")
        assert error(response) == (400, 106)
        assert response.json()["error"]["message"] == "Job description required"


def test_a_script_file_over_the_size_limit_is_413(settings, program, talent, live_client):
    settings.PARTNERS_SCRIPT_MAX_BYTES = 100
    upload = SimpleUploadedFile("script.txt", b"a" * 101, content_type="text/plain")
    response = live_client.post(f"{PREFIX}/jobs", payload(program, talent, script_file=upload), format="multipart")
    assert response.status_code == 413 and response.json()["error"]["code"] == 413


# --- 120 / 122 / 123 ------------------------------------------------------------------------------
def test_program_of_another_partner_120(make_partner, make_program, talent, program, live_client):
    foreign = make_program(make_partner("Other Co"))
    for program_id in (foreign.pk, 987654):
        response = live_client.post(
            f"{PREFIX}/jobs", payload(foreign, talent, program_id=str(program_id)), format="json"
        )
        assert error(response) == (403, 120)
        assert response.json()["error"]["message"] == "Program is not associated with your account"


def test_talent_not_in_any_of_the_partners_programs_122(make_partner, make_program, make_talent, program, live_client):
    outsider = make_talent(make_program(make_partner("Other Co")), first_name="Out")
    unassigned = make_talent(first_name="Nobody")
    for talent in (outsider, unassigned):
        response = live_client.post(f"{PREFIX}/jobs", payload(program, talent), format="json")
        assert error(response) == (403, 122)
        assert response.json()["error"]["message"] == "Talent not associated with any programs on your account"


def test_talent_of_another_of_the_partners_programs_is_accepted(
    partner, make_program, make_talent, program, live_client, local_storage
):
    sibling_talent = make_talent(make_program(partner, name="Sibling"))
    response = live_client.post(f"{PREFIX}/jobs", payload(program, sibling_talent), format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False},
        {"start_date": timezone.localdate() + timedelta(days=1), "end_date": timezone.localdate() + timedelta(days=9)},
        {"start_date": timezone.localdate() - timedelta(days=9), "end_date": timezone.localdate() - timedelta(days=1)},
    ],
)
def test_program_not_active_123(fields, partner, make_program, make_talent, live_client):
    program = make_program(partner, **fields)
    talent = make_talent(program)
    response = live_client.post(f"{PREFIX}/jobs", payload(program, talent), format="json")
    assert error(response) == (400, 123)
    assert response.json()["error"]["message"] == "Program is not active"


# --- credit: 140 / 141 / 142 / 240 ---------------------------------------------------------------------
def test_credit_limit_unavailable_141(make_partner, make_program, make_talent):
    partner = make_partner(credit_limit=None)
    program = make_program(partner)
    talent = make_talent(program)
    response = PartnerClient(partner.key).post(f"{PREFIX}/jobs", payload(program, talent), format="json")
    assert error(response) == (400, 141)
    assert response.json()["error"]["message"] == "Credit limit unavailable"


def test_credit_limit_reached_or_exceeded_140(make_partner, make_program, make_talent, local_storage):
    partner = make_partner(credit_limit=Decimal("250.00"))
    program = make_program(partner, unit_price=Decimal("100.00"))
    talent = make_talent(program)
    client = PartnerClient(partner.key)
    statuses = [client.post(f"{PREFIX}/jobs", payload(program, talent), format="json").status_code for _ in range(2)]
    assert statuses == [201, 201]
    over = client.post(f"{PREFIX}/jobs", payload(program, talent), format="json")
    assert error(over) == (400, 140)
    assert over.json()["error"]["message"] == "Credit limit reached or exceeded"
    partner.refresh_from_db()
    assert partner.balance == Decimal("200.00") and Job.objects.count() == 2


def test_a_job_that_reaches_the_limit_exactly_is_saved_then_the_next_is_refused(
    make_partner, make_program, make_talent, local_storage
):
    partner = make_partner(credit_limit=Decimal("200.00"))
    program = make_program(partner, unit_price=Decimal("100.00"))
    talent = make_talent(program)
    client = PartnerClient(partner.key)
    assert client.post(f"{PREFIX}/jobs", payload(program, talent), format="json").status_code == 201
    assert client.post(f"{PREFIX}/jobs", payload(program, talent), format="json").status_code == 201
    free_program = make_program(partner, unit_price=Decimal("0"))
    free_program.talents.add(talent)
    assert error(client.post(f"{PREFIX}/jobs", payload(free_program, talent), format="json")) == (400, 140)


def test_notice_240_when_the_balance_reaches_the_threshold(make_partner, make_program, make_talent, local_storage):
    partner = make_partner(credit_limit=Decimal("1000.00"), notice_threshold=90)
    program = make_program(partner, unit_price=Decimal("300.00"))
    talent = make_talent(program)
    client = PartnerClient(partner.key)
    notices = []
    for _ in range(3):
        response = client.post(f"{PREFIX}/jobs", payload(program, talent), format="json")
        assert response.status_code == 201
        notices.append(response.json().get("notices"))
    # 300 (30%) and 600 (60%) are below 90%; 900 (90%) reaches it.
    assert notices == [None, None, [{"code": 240, "message": "Credit balance approaching limit"}]]


def test_credit_could_not_be_determined_142(partner, program, talent, live_client, local_storage):
    # The cached balance no longer matches the ledger: the API refuses to guess.
    Partner.objects.filter(pk=partner.pk).update(balance=Decimal("55.00"))
    before = snapshot(partner)
    response = live_client.post(f"{PREFIX}/jobs", payload(program, talent), format="json")
    assert error(response) == (400, 142)
    assert response.json()["error"]["message"] == "Credit limit could not be determined"
    assert snapshot(partner) == before


def test_job_could_not_be_created_143_rolls_everything_back(settings, tmp_path, partner, program, talent, live_client):
    # Storage fails after the job row and the charge were written: both must be rolled back.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the storage root should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media")},
        },
    }
    upload = SimpleUploadedFile("script.txt", b"Hello script", content_type="text/plain")
    response = live_client.post(f"{PREFIX}/jobs", payload(program, talent, script_file=upload), format="multipart")
    assert error(response) == (400, 143)
    assert response.json() == {"error": {"code": 143, "message": "Job could not be created"}, "mode": "live"}
    partner.refresh_from_db()
    assert (Job.objects.count(), JobEvent.objects.count(), LedgerEntry.objects.count(), partner.balance) == (
        0,
        0,
        0,
        Decimal("0.00"),
    )


# --- test mode ------------------------------------------------------------------------------------------
def test_test_mode_validates_everything_and_saves_nothing(make_partner, make_program, make_talent, local_storage):
    partner = make_partner(live=False, credit_limit=Decimal("100.00"))
    program = make_program(partner, unit_price=Decimal("90.00"))
    talent = make_talent(program)
    client = PartnerClient(partner.key)
    before = snapshot(partner)
    upload = SimpleUploadedFile("script.txt", b"A real script", content_type="text/plain")
    response = client.post(f"{PREFIX}/jobs", payload(program, talent, script_file=upload), format="multipart")
    assert response.status_code == 201
    assert response.json() == {
        "data": {"job_id": None},
        "mode": "test",
        "notices": [
            {"code": 200, "message": "Test mode enabled"},
            {"code": 240, "message": "Credit balance approaching limit"},
        ],
    }
    assert snapshot(partner) == before
    # Errors are reported exactly as live, still without saving anything.
    bad = SimpleUploadedFile("script.txt", image_bytes(), content_type="text/plain")
    assert error(client.post(f"{PREFIX}/jobs", payload(program, talent, script_file=bad), format="multipart")) == (
        400,
        105,
    )
    assert error(client.post(f"{PREFIX}/jobs", payload(program, talent, job_description=""), format="json")) == (
        400,
        106,
    )
    assert snapshot(partner) == before


def test_test_mode_header_on_a_live_partner_saves_nothing(partner, program, talent, client_for_partner, local_storage):
    before = snapshot(partner)
    upload = SimpleUploadedFile("script.rtf", SCRIPTS["rtf"][1], content_type="application/rtf")
    response = client_for_partner(partner, test_mode=1).post(
        f"{PREFIX}/jobs", payload(program, talent, script_file=upload), format="multipart"
    )
    assert response.status_code == 201 and response.json()["data"] == {"job_id": None}
    assert response.json()["mode"] == "test"
    assert snapshot(partner) == before


def test_test_mode_reports_credit_errors_too(make_partner, make_program, make_talent):
    partner = make_partner(live=False, credit_limit=Decimal("50.00"))
    program = make_program(partner, unit_price=Decimal("100.00"))
    talent = make_talent(program)
    response = PartnerClient(partner.key).post(f"{PREFIX}/jobs", payload(program, talent), format="json")
    assert error(response) == (400, 140)
    assert response.json()["mode"] == "test"


def test_a_job_repeated_with_its_idempotency_key_is_created_and_charged_once(
    partner, program, talent, live_client, client_for_partner, local_storage
):
    first = live_client.post(f"{PREFIX}/jobs", payload(program, talent), format="json", HTTP_IDEMPOTENCY_KEY="job-1")
    second = live_client.post(f"{PREFIX}/jobs", payload(program, talent), format="json", HTTP_IDEMPOTENCY_KEY="job-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1 and LedgerEntry.objects.filter(kind="charge").count() == 1
    other = live_client.post(
        f"{PREFIX}/jobs", payload(program, talent, sample_script="Else"), format="json", HTTP_IDEMPOTENCY_KEY="job-1"
    )
    assert other.status_code == 422
    assert other.json() == {
        "error": {"code": 422, "message": "This Idempotency-Key was used with a different request"},
        "mode": "live",
    }
    # The same key in test mode is another request: nothing is created and nothing replayed.
    test_mode = client_for_partner(partner, test_mode=1).post(
        f"{PREFIX}/jobs", payload(program, talent), format="json", HTTP_IDEMPOTENCY_KEY="job-1"
    )
    assert test_mode.status_code == 422 and Job.objects.count() == 1
