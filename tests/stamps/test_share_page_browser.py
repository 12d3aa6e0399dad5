"""The share page in headless Chromium (Playwright) against the live server: markers seek the
recording, a password share unlocks, a reply reaches the owner's API; phone-sized and keyboard use."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from stamps.sharing_models import Share
from tests.stamps.sharing_helpers import reset_reply_throttle, stamp_with_media

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs"
PLAYER_TIME = "document.getElementById('player').currentTime"


@pytest.fixture(autouse=True)
def _fresh_reply_allowance():
    reset_reply_throttle()


@pytest.fixture
def stamp(user, media_dir):
    return stamp_with_media(user, media_dir)


def _code(api, stamp, **body) -> str:
    response = api.post(f"/api/v1/voicestamps/{stamp.pk}/share", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["share_code"]


def _seeked_to(page, seconds: float):
    # The player starts playing from the tag, so its time is at the tag or a little after it.
    page.wait_for_function(f"{PLAYER_TIME} >= {seconds - 0.05} && {PLAYER_TIME} < {seconds + 0.75}", timeout=15000)


def test_clicking_a_marker_seeks_the_audio_to_the_tag(api, stamp, live_server, page):
    code = _code(api, stamp)
    page.goto(f"{live_server.url}/share/{code}")
    assert page.locator("h1").inner_text() == "Harbour walk"
    assert page.locator(".marker").count() == 2
    assert page.evaluate(PLAYER_TIME) == 0

    page.locator(".marker").nth(1).click()
    _seeked_to(page, 3.25)
    page.locator(".marker").nth(0).click()
    _seeked_to(page, 1.5)
    # The marker sits where the tag's x, y put it on the image (75% of 320x240 -> 240, 180).
    image = page.locator(".stage img").bounding_box()
    marker = page.locator(".marker").nth(1).bounding_box()
    center_x = marker["x"] + marker["width"] / 2 - image["x"]
    center_y = marker["y"] + marker["height"] / 2 - image["y"]
    assert center_x == pytest.approx(image["width"] * 0.75, abs=2)
    assert center_y == pytest.approx(image["height"] * 0.75, abs=2)


def test_keyboard_and_phone_sized_screen(api, stamp, live_server, browser, tmp_path):
    code = _code(api, stamp)
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/share/{code}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        assert phone.locator(".stage img").bounding_box()["width"] <= 375
        # Tab from the start: skip link, then the first marker; Enter seeks like a click.
        phone.keyboard.press("Tab")
        phone.keyboard.press("Tab")
        focused = phone.evaluate("document.activeElement.getAttribute('aria-label')")
        assert focused == "Voice tag 1 at 1.5 seconds: The first point"
        phone.keyboard.press("Enter")
        _seeked_to(phone, 1.5)
        phone.evaluate("document.getElementById('player').pause()")
        # UPDATE_SCREENSHOTS=1 refreshes the one in docs/; otherwise a run leaves the tree untouched.
        target = DOCS / "share-page.png" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path / "share-page.png"
        phone.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    finally:
        context.close()


def test_unlocking_a_password_share(api, stamp, live_server, page):
    code = _code(api, stamp, privacy="password", password="open sesame")
    page.goto(f"{live_server.url}/share/{code}")
    assert page.locator("h1").inner_text() == "This VoiceStamp is protected"

    page.fill("#share-password", "wrong guess")
    page.press("#share-password", "Enter")
    assert page.locator("[role=alert]").inner_text() == "That password is not right."
    page.fill("#share-password", "open sesame")
    page.get_by_role("button", name="Open").click()
    page.wait_for_selector("#player")
    assert page.locator("h1").inner_text() == "Harbour walk"
    page.locator(".tag").nth(1).click()
    _seeked_to(page, 3.25)


def test_a_reply_from_the_page_reaches_the_owners_api(api, stamp, live_server, page):
    code = _code(api, stamp)
    page.goto(f"{live_server.url}/share/{code}")
    page.fill("#reply-message", "The gulls at 3 seconds are wonderful")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_selector("text=Thank you, your reply was sent.")

    replies = api.get(f"/api/v1/voicestamps/{stamp.pk}/replies").json()["data"]
    assert [(r["message"], r["share_code"]) for r in replies] == [("The gulls at 3 seconds are wonderful", code)]


def test_expired_link_page(api, stamp, live_server, page):
    code = _code(api, stamp, expires_at=(timezone.now() + timedelta(hours=1)).isoformat())
    Share.objects.filter(share_code=code).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = page.goto(f"{live_server.url}/share/{code}")
    assert response.status == 410
    assert page.locator("h1").inner_text() == "This link has expired"
