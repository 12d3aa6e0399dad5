"""Partner program fixtures: partners with real hashed keys, programs, talents, jobs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

PREFIX = "/v4/partners"


class PartnerClient(APIClient):
    """An API client sending a partner's X-API-KEY (and TEST-MODE when asked)."""

    def __init__(self, key, test_mode=None):
        super().__init__()
        headers = {"HTTP_X_API_KEY": key}
        if test_mode is not None:
            headers["HTTP_TEST_MODE"] = str(test_mode)
        self.credentials(**headers)


@pytest.fixture
def make_partner(db):
    from partners.account import services

    def make(name="Acme Audio", *, live=True, credit_limit=Decimal("1000.00"), access_enabled=True, **extra):
        partner, key = services.create_partner(
            name=name, live=live, credit_limit=credit_limit, access_enabled=access_enabled, **extra
        )
        partner.key = key
        return partner

    return make


@pytest.fixture
def partner(make_partner):
    return make_partner()


@pytest.fixture
def client_for_partner():
    def make(partner, test_mode=None):
        return PartnerClient(partner.key, test_mode)

    return make


@pytest.fixture
def live_client(partner, client_for_partner):
    return client_for_partner(partner)


@pytest.fixture
def make_program(db):
    from partners.models import Program

    def make(partner, **fields):
        today = timezone.localdate()
        values = {
            "name": "Explainer videos",
            "description": "Short product explainers",
            "unit_price": Decimal("100.00"),
            "start_date": today - timedelta(days=30),
            "end_date": today + timedelta(days=30),
            "edit_limit": 1,
            "max_edits": 3,
            "manager_email": "manager@example.com",
            **fields,
        }
        return Program.objects.create(partner=partner, **values)

    return make


@pytest.fixture
def program(partner, make_program):
    return make_program(partner)


@pytest.fixture
def make_talent(db):
    from partners.models import Talent

    def make(*programs, **fields):
        values = {
            "first_name": "Ada",
            "last_name": "Voice",
            "gender": "female",
            "languages": ["English", "French"],
            "feedback": "Warm and clear.",
            **fields,
        }
        talent = Talent.objects.create(**values)
        for program in programs:
            program.talents.add(talent)
        return talent

    return make


@pytest.fixture
def talent(program, make_talent):
    return make_talent(program)


@pytest.fixture
def make_job(db):
    from partners.models import Job

    def make(program, talent, **fields):
        values = {"job_description": "Read it warmly", "sample_script": "Hello there", **fields}
        return Job.objects.create(program=program, talent=talent, **values)

    return make


@pytest.fixture
def short_mp3(media_dir):
    from tests.media import tone

    path = media_dir / "partners-tone.mp3"
    if not path.exists():
        tone(path, seconds=1.0, codec_args=("-c:a", "libmp3lame", "-b:a", "64k"))
    return path


@pytest.fixture
def delivered_job(program, talent, make_job, short_mp3, local_storage):
    """A job whose talent delivered a recorded file (status assigned), through the staff services."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partners.jobs import services

    job = make_job(program, talent)
    job = services.assign_talent(job, talent, by="staff@example.com")
    upload = SimpleUploadedFile("take1.mp3", short_mp3.read_bytes(), content_type="audio/mpeg")
    return services.deliver_file(job, upload, "take1.mp3", by="staff@example.com")
