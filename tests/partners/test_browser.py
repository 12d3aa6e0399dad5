"""End to end in headless Chromium: staff create a partner and a program in the admin, then
the API answers with the key shown once; a demo player page plays audio streamed from storage."""

import re
from datetime import timedelta

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.talents import services
from partners.models import Partner, Program
from tests.conftest import wait_for_script

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "correct horse battery staple"


def test_admin_creates_a_partner_and_a_program_then_the_api_answers(page, live_server, make_user):
    make_user(email="ops@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "ops@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))

    page.goto(f"{live_server.url}/admin/partners/partner/add/")
    page.fill("#id_name", "Browser Partner")
    page.check("#id_access_enabled")
    page.check("#id_is_live")
    page.fill("#id_credit_limit", "1000.00")
    page.click("input[name=_save]")
    key = page.locator("code.api-key").inner_text().strip()
    assert re.fullmatch(r"vpp_[0-9a-f]{12}_[A-Za-z0-9_-]+", key)
    partner = Partner.objects.get(name="Browser Partner")
    assert partner.access_enabled and partner.is_live

    today = timezone.localdate()
    page.goto(f"{live_server.url}/admin/partners/program/add/")
    page.select_option("#id_partner", label="Browser Partner")
    page.fill("#id_name", "Browser Program")
    page.fill("#id_description", "Made in Chromium")
    page.fill("#id_unit_price", "42.00")
    page.fill("#id_start_date", today.isoformat())
    page.fill("#id_end_date", (today + timedelta(days=30)).isoformat())
    page.fill("#id_manager_email", "pm@example.com")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/admin/partners/program/$"))
    program = Program.objects.get(name="Browser Program")

    response = requests.get(f"{live_server.url}/v4/partners/programs", headers={"X-API-KEY": key}, timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "live" and body["data_count"] == 1
    assert body["data"][0]["program_id"] == program.pk and body["data"][0]["unit_price"] == "42.00"
    test_mode = requests.get(
        f"{live_server.url}/v4/partners/programs/{program.pk}", headers={"X-API-KEY": key, "TEST-MODE": "1"}, timeout=10
    ).json()
    assert test_mode["mode"] == "test" and test_mode["data"]["name"] == "Browser Program"
    wrong = requests.get(f"{live_server.url}/v4/partners/programs", headers={"X-API-KEY": key + "x"}, timeout=10)
    assert wrong.status_code == 404


def test_the_demo_player_plays_audio_streamed_from_storage(
    page, live_server, make_partner, make_program, make_talent, short_mp3, local_storage
):
    partner = make_partner()
    talent = make_talent(make_program(partner))
    services.add_demo(
        talent,
        SimpleUploadedFile("demo.mp3", short_mp3.read_bytes(), content_type="audio/mpeg"),
        title="Promo",
        tags=["warm"],
    )
    data = requests.get(
        f"{live_server.url}/v4/partners/talents/{talent.pk}", headers={"X-API-KEY": partner.key}, timeout=10
    ).json()["data"]
    player_url = data["demo"][0]["url"]["dark_standard_complete"]
    page.goto(player_url)
    page.wait_for_selector(".player[data-ready=true]", timeout=15000)
    assert page.inner_text(".player-duration") == "0:01"
    page.click(".player-toggle")
    wait_for_script(page, "document.querySelector('audio').currentTime > 0.2", timeout=15)
    assert page.get_attribute(".player", "data-state") in ("playing", "paused")
    assert "theme-dark" in page.get_attribute(".player", "class")
    # The talent page embeds the players in iframes served by this app.
    page.goto(data["talent_url"])
    frame = page.frame_locator("iframe.talent-demo").first
    assert frame.locator(".player-toggle").count() == 1
