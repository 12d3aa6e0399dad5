"""The spec's flows end to end: integrate in test mode (nothing saved), go live, order a job,
get the recording, ask for an edit, approve it."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.storage import object_storage
from partners.jobs import services
from partners.models import Job, LedgerEntry
from tests.partners.conftest import PREFIX, PartnerClient

pytestmark = pytest.mark.django_db


def test_from_test_mode_to_an_approved_recording(make_partner, make_program, make_talent, short_mp3, local_storage):
    partner = make_partner(live=False, credit_limit=Decimal("500.00"))
    program = make_program(partner, unit_price=Decimal("120.00"))
    talent = make_talent(program)
    client = PartnerClient(partner.key)

    # 1. Integration in test mode: everything readable, writes validated and discarded.
    programs = client.get(f"{PREFIX}/programs").json()
    assert programs["mode"] == "test" and programs["data"][0]["program_id"] == program.pk
    talents = client.get(f"{PREFIX}/programs/{program.pk}/talents").json()["data"]
    order = {
        "program_id": str(program.pk),
        "talent_id": str(talents[0]["talent_id"]),
        "sample_script": "Welcome to our product tour.",
        "job_description": "Friendly, 30 seconds",
    }
    dry_run = client.post(f"{PREFIX}/jobs", order, format="json").json()
    assert dry_run["data"] == {"job_id": None}
    assert Job.objects.count() == 0 and LedgerEntry.objects.count() == 0

    # 2. The partner account manager switches the account live.
    partner.is_live = True
    partner.save(update_fields=["is_live"])
    created = client.post(f"{PREFIX}/jobs", order, format="json")
    assert created.status_code == 201 and created.json()["mode"] == "live"
    job_id = created.json()["data"]["job_id"]
    assert client.get(f"{PREFIX}/programs/{program.pk}/jobs").json()["data"][0]["job_status"] == "new"

    # 3. Staff assign the talent and deliver the recording.
    job = services.assign_talent(Job.objects.get(pk=job_id), talent, by="staff@example.com")
    assert client.get(f"{PREFIX}/jobs/{job_id}").json()["data"]["job_status"] == "assigned"
    services.deliver_file(job, SimpleUploadedFile("take1.mp3", short_mp3.read_bytes()), "take1.mp3", by="staff")

    # 4. The partner asks for an edit; staff deliver again; the partner approves.
    assert (
        client.post(f"{PREFIX}/jobs/{job_id}/editFile", {"edit_notes": "A bit slower"}, format="json").status_code
        == 204
    )
    edited = client.get(f"{PREFIX}/jobs/{job_id}").json()["data"]
    assert (edited["job_status"], edited["edit_count"]) == ("edit", 1)
    services.deliver_file(
        Job.objects.get(pk=job_id), SimpleUploadedFile("take2.mp3", short_mp3.read_bytes()), "take2.mp3", by="staff"
    )
    assert client.post(f"{PREFIX}/jobs/{job_id}/approveFile").status_code == 204
    final = client.get(f"{PREFIX}/jobs/{job_id}").json()["data"]
    assert (final["job_status"], final["edit_count"]) == ("approved", 1)
    assert (
        client.post(f"{PREFIX}/jobs/{job_id}/editFile", {"edit_notes": "Too late"}, format="json").json()["error"][
            "code"
        ]
        == 146
    )

    partner.refresh_from_db()
    assert partner.balance == Decimal("120.00")
    assert object_storage.exists(Job.objects.get(pk=job_id).delivered_file_key)
    history = list(Job.objects.get(pk=job_id).events.values_list("kind", flat=True))
    assert history == ["created", "assigned", "delivered", "edit_requested", "delivered", "approved"]
