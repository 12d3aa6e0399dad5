"""Authentication, test mode, rate limiting and the audit log of the Partner API."""

import pytest

from partners.models import AuditLogEntry, PartnerApiKey
from tests.partners.conftest import PREFIX, PartnerClient

pytestmark = pytest.mark.django_db

TEST_NOTICE = {"code": 200, "message": "Test mode enabled"}


@pytest.mark.parametrize("key", [None, "", "nope", "vpp_abc_def", "vpp_000000000000_" + "x" * 43])
def test_an_unknown_key_is_404(key, partner):
    client = PartnerClient(key) if key is not None else PartnerClient("")
    if key is None:
        client.credentials()
    response = client.get(f"{PREFIX}/programs")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": 404, "message": "Unknown API key"}, "mode": "live"}


def test_a_tampered_key_of_a_known_prefix_is_404(partner):
    tampered = partner.key[:-2] + ("aa" if not partner.key.endswith("aa") else "bb")
    assert PartnerClient(tampered).get(f"{PREFIX}/programs").status_code == 404


def test_a_known_key_without_program_access_is_401(make_partner):
    partner = make_partner(access_enabled=False)
    response = PartnerClient(partner.key).get(f"{PREFIX}/programs")
    assert response.status_code == 401
    assert response.json()["error"] == {"code": 401, "message": "Partner Program access is not enabled for this key"}
    assert response.json()["mode"] == "live"


def test_keys_are_stored_hashed_and_a_rotated_key_stops_working(partner):
    from partners.account import services

    stored = PartnerApiKey.objects.get(partner=partner)
    assert partner.key not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64
    _, new_key = services.issue_api_key(partner)
    assert PartnerClient(partner.key).get(f"{PREFIX}/programs").status_code == 404
    assert PartnerClient(new_key).get(f"{PREFIX}/programs").status_code == 200


def test_live_partner_answers_live_and_test_mode_header_forces_test(partner, program):
    live = PartnerClient(partner.key).get(f"{PREFIX}/programs").json()
    assert live["mode"] == "live" and "notices" not in live
    forced = PartnerClient(partner.key, test_mode=1).get(f"{PREFIX}/programs").json()
    assert forced["mode"] == "test" and forced["notices"] == [TEST_NOTICE]
    assert forced["data"] == live["data"]
    off = PartnerClient(partner.key, test_mode=0).get(f"{PREFIX}/programs").json()
    assert off["mode"] == "live"


def test_accounts_start_in_test_mode_and_header_zero_does_not_leave_it(make_partner):
    partner = make_partner(live=False)
    for test_mode in (None, 0, 1):
        body = PartnerClient(partner.key, test_mode=test_mode).get(f"{PREFIX}/programs").json()
        assert body["mode"] == "test"
        assert body["notices"] == [TEST_NOTICE]


def test_errors_carry_the_mode_too(make_partner):
    partner = make_partner(live=False)
    body = PartnerClient(partner.key).get(f"{PREFIX}/programs/abc").json()
    assert body == {"error": {"code": 100, "message": "Program ID must be a number"}, "mode": "test"}


def test_rate_limit_per_key(settings, partner, make_partner):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "partners": "3/minute"}
    client = PartnerClient(partner.key)
    assert [client.get(f"{PREFIX}/programs").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(f"{PREFIX}/programs")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == 429
    assert int(limited["Retry-After"]) > 0
    other = make_partner("Other Co")
    assert PartnerClient(other.key).get(f"{PREFIX}/programs").status_code == 200


def test_every_call_is_in_the_audit_log(partner, make_partner):
    PartnerClient(partner.key).get(f"{PREFIX}/programs")
    PartnerClient(partner.key, test_mode=1).get(f"{PREFIX}/programs/x")
    PartnerClient("vpp_feedbeefcafe_secret").get(f"{PREFIX}/programs")
    entries = list(AuditLogEntry.objects.order_by("id"))
    prefix = PartnerApiKey.objects.get(partner=partner).prefix
    assert [(e.key_prefix, e.method, e.endpoint, e.mode, e.status) for e in entries] == [
        (prefix, "GET", f"{PREFIX}/programs", "live", 200),
        (prefix, "GET", f"{PREFIX}/programs/x", "test", 400),
        ("feedbeefcafe", "GET", f"{PREFIX}/programs", "live", 404),
    ]
    assert entries[0].partner == partner and entries[0].api_key.prefix == prefix
    assert entries[2].partner is None and entries[2].api_key is None
    assert all(entry.created is not None for entry in entries)


def test_unknown_paths_and_methods_answer_in_the_partner_dialect(partner):
    client = PartnerClient(partner.key)
    missing = client.get(f"{PREFIX}/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == 404 and "mode" in missing.json()
    wrong_method = client.delete(f"{PREFIX}/programs")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == 405


def test_malformed_json_is_a_400_not_a_500(partner):
    response = PartnerClient(partner.key).post(f"{PREFIX}/jobs", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["mode"] == "live"
