"""manage.py create_partner: the key on the last line works against the API."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from core.storage import object_storage
from partners.models import Demo, Partner
from tests.partners.conftest import PREFIX, PartnerClient

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("create_partner", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_partner_prints_a_working_key_last():
    lines = run("--name", "Script Co")
    key = lines[-1]
    partner = Partner.objects.get(name="Script Co")
    assert (partner.is_live, partner.access_enabled, partner.credit_limit) == (False, True, None)
    body = PartnerClient(key).get(f"{PREFIX}/programs").json()
    assert body == {
        "data": [],
        "data_count": 0,
        "mode": "test",
        "notices": [{"code": 200, "message": "Test mode enabled"}],
    }


def test_create_partner_live_with_a_demo_program(local_storage):
    lines = run("--name", "Demo Co", "--live", "--credit-limit", "500", "--demo-program")
    client = PartnerClient(lines[-1])
    partner = Partner.objects.get(name="Demo Co")
    assert partner.is_live and partner.credit_limit == Decimal("500")
    programs = client.get(f"{PREFIX}/programs").json()
    assert programs["mode"] == "live" and programs["data_count"] == 1
    program_id = programs["data"][0]["program_id"]
    talents = client.get(f"{PREFIX}/programs/{program_id}/talents").json()["data"]
    assert len(talents) == 3 and all(len(talent["demo"]) == 1 for talent in talents)
    assert {talent["gender"] for talent in talents} == {"female", "male", "non-binary"}
    assert all(demo.duration > 1 and object_storage.exists(demo.audio_key) for demo in Demo.objects.all())
    jobs = client.get(f"{PREFIX}/programs/{program_id}/jobs").json()
    assert jobs["data_count"] == 1 and jobs["data"][0]["job_status"] == "new"
    created = client.post(
        f"{PREFIX}/jobs",
        {
            "program_id": program_id,
            "talent_id": talents[1]["talent_id"],
            "sample_script": "Hello",
            "job_description": "Try it",
        },
        format="json",
    )
    assert created.status_code == 201


def test_bad_arguments_are_command_errors():
    with pytest.raises(CommandError):
        run("--name", "X", "--credit-limit", "lots")
    with pytest.raises(CommandError):
        run("--name", "   ")
    assert Partner.objects.count() == 0
