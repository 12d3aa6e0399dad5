"""Program management in the admin: partners (key shown once, rotation, access, mode, payment),
programs, talents with demo and avatar uploads, jobs (assign, deliver, history)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.storage import object_storage
from partners.models import Demo, Job, LedgerEntry, Partner, PartnerApiKey, Program
from tests.media import image_bytes
from tests.partners.conftest import PREFIX, PartnerClient

pytestmark = pytest.mark.django_db

KEY = re.compile(r"vpp_[0-9a-f]{12}_[A-Za-z0-9_-]+")


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_create_a_partner_shows_its_key_once(admin_client, make_program):
    response = admin_client.post(
        "/admin/partners/partner/add/",
        {
            "name": "Studio North",
            "access_enabled": "on",
            "credit_limit": "500.00",
            "notice_threshold": "85",
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
            "ledger-TOTAL_FORMS": "0",
            "ledger-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    keys = KEY.findall(response.content.decode())
    assert len(set(keys)) == 1
    partner = Partner.objects.get(name="Studio North")
    assert (partner.access_enabled, partner.is_live, partner.credit_limit, partner.notice_threshold) == (
        True,
        False,
        Decimal("500.00"),
        85,
    )
    stored = PartnerApiKey.objects.get(partner=partner)
    assert keys[0] not in stored.key_hash
    change_page = admin_client.get(f"/admin/partners/partner/{partner.pk}/change/").content.decode()
    assert keys[0] not in change_page and stored.prefix in change_page
    make_program(partner)
    body = PartnerClient(keys[0]).get(f"{PREFIX}/programs").json()
    assert body["mode"] == "test" and body["data_count"] == 1


def test_rotate_enable_and_switch_actions(admin_client, make_partner):
    partner = make_partner(live=False, access_enabled=False)
    old_key = partner.key
    changelist = "/admin/partners/partner/"
    assert PartnerClient(old_key).get(f"{PREFIX}/programs").status_code == 401
    admin_client.post(changelist, {"action": "enable_access", "_selected_action": [partner.pk]})
    admin_client.post(changelist, {"action": "switch_live", "_selected_action": [partner.pk]})
    response = admin_client.post(
        changelist, {"action": "rotate_api_key", "_selected_action": [partner.pk]}, follow=True
    )
    new_key = KEY.search(response.content.decode()).group(0)
    assert new_key != old_key
    assert PartnerClient(old_key).get(f"{PREFIX}/programs").status_code == 404
    assert PartnerClient(new_key).get(f"{PREFIX}/programs").json()["mode"] == "live"
    admin_client.post(changelist, {"action": "switch_test", "_selected_action": [partner.pk]})
    assert PartnerClient(new_key).get(f"{PREFIX}/programs").json()["mode"] == "test"


def test_balance_and_its_ledger_with_a_recorded_payment(
    admin_client, partner, program, talent, live_client, local_storage
):
    live_client.post(
        f"{PREFIX}/jobs",
        {"program_id": program.pk, "talent_id": talent.pk, "sample_script": "Hi", "job_description": "Read"},
        format="json",
    )
    response = admin_client.post(
        f"/admin/partners/partner/{partner.pk}/change/",
        {
            "name": partner.name,
            "access_enabled": "on",
            "is_live": "on",
            "credit_limit": "1000.00",
            "notice_threshold": "80",
            "payment": "40.00",
            "api_keys-TOTAL_FORMS": "1",
            "api_keys-INITIAL_FORMS": "1",
            "api_keys-0-id": PartnerApiKey.objects.get(partner=partner).pk,
            "api_keys-0-partner": partner.pk,
            "ledger-TOTAL_FORMS": "1",
            "ledger-INITIAL_FORMS": "1",
            "ledger-0-id": LedgerEntry.objects.get().pk,
            "ledger-0-partner": partner.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    partner.refresh_from_db()
    assert partner.balance == Decimal("60.00")
    assert list(LedgerEntry.objects.order_by("id").values_list("kind", "amount", "balance_after")) == [
        ("charge", Decimal("100.00"), Decimal("100.00")),
        ("payment", Decimal("-40.00"), Decimal("60.00")),
    ]
    page = admin_client.get(f"/admin/partners/partner/{partner.pk}/change/").content.decode()
    assert "60.00" in page and "payment" in page


def test_create_a_program(admin_client, partner, make_talent):
    talent = make_talent()
    today = timezone.localdate()
    response = admin_client.post(
        "/admin/partners/program/add/",
        {
            "partner": partner.pk,
            "name": "Audiobooks",
            "description": "Long form",
            "unit_price": "250.00",
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=90)).isoformat(),
            "edit_limit": "2",
            "max_edits": "4",
            "manager_email": "pm@example.com",
            "is_active": "on",
            "talents": [talent.pk],
        },
    )
    assert response.status_code == 302
    program = Program.objects.get(name="Audiobooks")
    assert list(program.talents.all()) == [talent]
    assert (program.edit_limit, program.max_edits, program.unit_price) == (2, 4, Decimal("250.00"))


def test_program_dates_must_be_ordered(admin_client, partner):
    today = timezone.localdate()
    response = admin_client.post(
        "/admin/partners/program/add/",
        {
            "partner": partner.pk,
            "name": "Backwards",
            "unit_price": "1.00",
            "start_date": today.isoformat(),
            "end_date": (today - timedelta(days=1)).isoformat(),
            "edit_limit": "1",
            "max_edits": "1",
            "manager_email": "pm@example.com",
        },
    )
    assert response.status_code == 200 and not Program.objects.filter(name="Backwards").exists()


def test_talent_demo_and_avatar_upload(admin_client, talent, short_mp3, local_storage):
    response = admin_client.post(
        f"/admin/partners/talent/{talent.pk}/change/",
        {
            "first_name": "Ada",
            "last_name": "Voice",
            "gender": "female",
            "languages": '["English"]',
            "feedback": "Great",
            "demo_title": "Promo",
            "demo_tags": "warm, upbeat",
            "demo_audio": SimpleUploadedFile("promo.mp3", short_mp3.read_bytes(), content_type="audio/mpeg"),
            "avatar_image": SimpleUploadedFile("face.png", image_bytes(), content_type="image/png"),
            "demos-TOTAL_FORMS": "0",
            "demos-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    demo = Demo.objects.get(talent=talent)
    assert (demo.title, demo.tags, demo.content_type) == ("Promo", ["warm", "upbeat"], "audio/mpeg")
    assert object_storage.exists(demo.audio_key)
    talent.refresh_from_db()
    assert object_storage.exists(talent.avatar_key)


def test_a_non_audio_demo_is_refused(admin_client, talent, local_storage):
    response = admin_client.post(
        f"/admin/partners/talent/{talent.pk}/change/",
        {
            "first_name": "Ada",
            "last_name": "Voice",
            "gender": "female",
            "languages": '["English"]',
            "demo_audio": SimpleUploadedFile("promo.mp3", image_bytes(), content_type="audio/mpeg"),
            "demos-TOTAL_FORMS": "0",
            "demos-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert any("Upload refused" in text for text in messages_of(response))
    assert Demo.objects.count() == 0 and object_storage.list("partners") == []


def test_job_assign_deliver_and_history(
    admin_client, program, talent, make_talent, make_job, short_mp3, live_client, local_storage
):
    job = make_job(program, talent)
    other = make_talent(program, first_name="Bo")
    response = admin_client.post(
        f"/admin/partners/job/{job.pk}/change/",
        {
            "talent": other.pk,
            "deliver_file": SimpleUploadedFile("take.mp3", short_mp3.read_bytes(), content_type="audio/mpeg"),
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.talent, job.status) == (other, "assigned")
    assert object_storage.exists(job.delivered_file_key)
    assert (
        live_client.post(f"{PREFIX}/jobs/{job.pk}/editFile", {"edit_notes": "Slower please"}, format="json").status_code
        == 204
    )
    page = admin_client.get(f"/admin/partners/job/{job.pk}/change/").content.decode()
    assert "Slower please" in page and "edit_requested" in page.replace("Edit requested", "edit_requested")
    assert list(job.events.values_list("kind", flat=True)) == ["assigned", "delivered", "edit_requested"]


def test_admin_lists_render(admin_client, delivered_job):
    for path in ("partner", "program", "talent", "job", "auditlogentry"):
        assert admin_client.get(f"/admin/partners/{path}/").status_code == 200
    assert admin_client.get(f"/admin/partners/job/{delivered_job.pk}/change/").status_code == 200
    assert not Job.objects.filter(status="approved").exists()
