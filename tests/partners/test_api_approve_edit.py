"""POST /jobs/:job_id/approveFile and /jobs/:job_id/editFile, and the manager's email past the edit limit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Job as BackgroundJob
from partners.jobs import services
from partners.models import Job, JobEvent
from tests.conftest import wait_until
from tests.partners.conftest import PREFIX

pytestmark = pytest.mark.django_db


def error(response):
    return response.status_code, response.json()["error"]["code"]


def redeliver(job, short_mp3):
    upload = SimpleUploadedFile("take.mp3", short_mp3.read_bytes(), content_type="audio/mpeg")
    return services.deliver_file(job, upload, "take.mp3", by="staff@example.com")


# --- approveFile --------------------------------------------------------------------------------
def test_approve_a_delivered_file(delivered_job, live_client):
    before = delivered_job.updated
    response = live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/approveFile")
    assert response.status_code == 204 and response.content == b""
    delivered_job.refresh_from_db()
    assert delivered_job.status == "approved" and delivered_job.updated > before
    assert delivered_job.events.last().kind == "approved"
    assert live_client.get(f"{PREFIX}/jobs/{delivered_job.pk}").json()["data"]["job_status"] == "approved"


def test_approval_unsuccessful_144(program, talent, make_job, delivered_job, live_client):
    nothing_delivered = make_job(program, talent)
    response = live_client.post(f"{PREFIX}/jobs/{nothing_delivered.pk}/approveFile")
    assert error(response) == (400, 144)
    assert response.json()["error"]["message"] == "Job file approval was unsuccessful"
    assert live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/approveFile").status_code == 204
    assert error(live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/approveFile")) == (400, 144)


def test_approving_a_job_waiting_for_its_edit_is_144(delivered_job, live_client):
    assert (
        live_client.post(
            f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "Slower"}, format="json"
        ).status_code
        == 204
    )
    assert error(live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/approveFile")) == (400, 144)


@pytest.mark.parametrize("action", ["approveFile", "editFile"])
def test_job_id_checks_101_and_121(action, make_partner, make_program, make_talent, make_job, live_client):
    response = live_client.post(f"{PREFIX}/jobs/abc/{action}", {"edit_notes": "x"}, format="json")
    assert error(response) == (400, 101)
    foreign_program = make_program(make_partner("Other Co"))
    foreign = make_job(foreign_program, make_talent(foreign_program))
    response = live_client.post(f"{PREFIX}/jobs/{foreign.pk}/{action}", {"edit_notes": "x"}, format="json")
    assert error(response) == (403, 121)
    assert response.json()["error"]["message"] == "Job is not associated with your account"


def test_approve_in_test_mode_changes_nothing(delivered_job, partner, client_for_partner):
    response = client_for_partner(partner, test_mode=1).post(f"{PREFIX}/jobs/{delivered_job.pk}/approveFile")
    assert response.status_code == 204
    delivered_job.refresh_from_db()
    assert delivered_job.status == "assigned"
    assert not delivered_job.events.filter(kind="approved").exists()


# --- editFile -------------------------------------------------------------------------------------
def test_request_an_edit(delivered_job, live_client):
    response = live_client.post(
        f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "Slower, please"}, format="json"
    )
    assert response.status_code == 204
    delivered_job.refresh_from_db()
    assert (delivered_job.status, delivered_job.edit_count, delivered_job.edit_notes) == ("edit", 1, "Slower, please")
    data = live_client.get(f"{PREFIX}/jobs/{delivered_job.pk}").json()["data"]
    assert data["job_status"] == "edit" and data["edit_count"] == 1


def test_request_an_edit_as_a_form(delivered_job, live_client):
    response = live_client.post(
        f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "Louder"}, format="multipart"
    )
    assert response.status_code == 204
    assert Job.objects.get(pk=delivered_job.pk).edit_notes == "Louder"


def test_notes_of_every_edit_are_kept_in_the_history(delivered_job, live_client, short_mp3):
    live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "First"}, format="json")
    redeliver(delivered_job, short_mp3)
    live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "Second"}, format="json")
    notes = list(JobEvent.objects.filter(job=delivered_job, kind="edit_requested").values_list("notes", flat=True))
    assert notes == ["First", "Second"]
    assert Job.objects.get(pk=delivered_job.pk).edit_notes == "Second"


@pytest.mark.parametrize("body", [{}, {"edit_notes": ""}, {"edit_notes": "   "}, {"edit_notes": 7}])
def test_edit_notes_required_103(body, delivered_job, live_client):
    response = live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/editFile", body, format="json")
    assert error(response) == (400, 103)
    assert response.json()["error"]["message"] == "Edit notes required"


def test_no_edits_once_approved_146(delivered_job, live_client):
    live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/approveFile")
    response = live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "x"}, format="json")
    assert error(response) == (400, 146)
    assert response.json()["error"]["message"] == "Job is approved, no edits allowed"


def test_maximum_number_of_edits_147(delivered_job, live_client, short_mp3):
    for index in range(delivered_job.program.max_edits):
        assert (
            live_client.post(
                f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": f"take {index}"}, format="json"
            ).status_code
            == 204
        )
        redeliver(delivered_job, short_mp3)
    response = live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "one more"}, format="json")
    assert error(response) == (400, 147)
    assert response.json()["error"]["message"] == "Maximum number of edits reached"
    assert Job.objects.get(pk=delivered_job.pk).edit_count == delivered_job.program.max_edits


def test_edit_unsuccessful_145_when_nothing_new_was_delivered(program, talent, make_job, delivered_job, live_client):
    new_job = make_job(program, talent)
    response = live_client.post(f"{PREFIX}/jobs/{new_job.pk}/editFile", {"edit_notes": "x"}, format="json")
    assert error(response) == (400, 145)
    assert response.json()["error"]["message"] == "Job file edit request was unsuccessful"
    live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "first"}, format="json")
    again = live_client.post(f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "second"}, format="json")
    assert error(again) == (400, 145)
    assert Job.objects.get(pk=delivered_job.pk).edit_count == 1


def test_edit_in_test_mode_changes_nothing_and_sends_nothing(delivered_job, partner, client_for_partner):
    delivered_job.program.edit_limit = 0
    delivered_job.program.save()
    response = client_for_partner(partner, test_mode=1).post(
        f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": "Slower"}, format="json"
    )
    assert response.status_code == 204
    delivered_job.refresh_from_db()
    assert (delivered_job.status, delivered_job.edit_count, delivered_job.edit_notes) == ("assigned", 0, "")
    assert delivered_job.manager_notified_at is None
    assert BackgroundJob.objects.filter(kind="partners.edit_limit_email").count() == 0


# --- the manager's email, through a real worker and a real SMTP server ---------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_manager_is_emailed_once_when_edits_pass_the_limit(
    delivered_job, live_client, short_mp3, smtp_server, start_worker
):
    start_worker(smtp_server.env)
    program = delivered_job.program
    assert (program.edit_limit, program.max_edits) == (1, 3)

    def edit(notes):
        assert (
            live_client.post(
                f"{PREFIX}/jobs/{delivered_job.pk}/editFile", {"edit_notes": notes}, format="json"
            ).status_code
            == 204
        )
        redeliver(delivered_job, short_mp3)

    edit("First: slower")  # edit_count 1 == limit: no email
    assert BackgroundJob.objects.filter(kind="partners.edit_limit_email").count() == 0
    edit("Second: warmer")  # edit_count 2 > limit: one email
    edit("Third: brighter")  # still past the limit: no second email
    email_jobs = BackgroundJob.objects.filter(kind="partners.edit_limit_email")
    assert email_jobs.count() == 1
    wait_until(lambda: email_jobs.filter(state="succeeded").exists(), timeout=60, message="the email job")
    wait_until(lambda: smtp_server.messages, timeout=10, message="the email")
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["to"] == ["manager@example.com"]
    assert str(delivered_job.pk) in message["message"]["Subject"]
    body = message["message"].get_body().get_content()
    # The email tells the state at sending time: the worker may already see the third request.
    assert f"Job {delivered_job.pk} of the program" in body and "limit of 1" in body
    assert "Second: warmer" in body or "Third: brighter" in body
    job = Job.objects.get(pk=delivered_job.pk)
    assert job.manager_notified_at is not None
    assert job.events.filter(kind="manager_notified").count() == 1
