"""TEST-MODE is read strictly: "1" is test, "0" or no header live, anything else a 400 in the
Partner API's error format. A live key with a mistyped header never creates a billable job."""

import pytest

from tests.partners.conftest import PREFIX, PartnerClient
from tests.partners.test_api_create_job import payload, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["true", "yes", "01", "on", "", "1 1", "-1", "２"])
def test_anything_but_0_or_1_is_a_400_and_creates_nothing(partner, program, talent, value, local_storage):
    before = snapshot(partner)
    response = PartnerClient(partner.key, test_mode=value).post(
        f"{PREFIX}/jobs", payload(program, talent), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"error": {"code": 400, "message": "TEST-MODE must be 0 or 1"}, "mode": "test"}
    assert snapshot(partner) == before


@pytest.mark.parametrize("value", ["true", "yes", "01"])
def test_reads_refuse_a_mistyped_header_too(partner, program, value):
    response = PartnerClient(partner.key, test_mode=value).get(f"{PREFIX}/programs")
    assert response.status_code == 400 and response.json()["error"]["code"] == 400


def test_1_is_test_and_0_or_absent_is_live(partner, program, talent, local_storage):
    before = snapshot(partner)
    tested = PartnerClient(partner.key, test_mode=1).post(f"{PREFIX}/jobs", payload(program, talent), format="json")
    assert tested.status_code == 201 and tested.json()["mode"] == "test" and tested.json()["data"] == {"job_id": None}
    assert snapshot(partner) == before
    for value in (0, None):
        live = PartnerClient(partner.key, test_mode=value).get(f"{PREFIX}/programs")
        assert live.status_code == 200 and live.json()["mode"] == "live"
