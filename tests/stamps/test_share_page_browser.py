"""The share page in headless Chromium (Playwright) against the live server: markers seek the
recording, drawings appear in time with it, the waveform carries the numbered markers, an expired
media link is replaced while playing, a password share unlocks, a named reply reaches the owner's
API, link previews; phone-sized and keyboard use."""

import os
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from stamps import services
from stamps.packaging import services as packaging_services
from stamps.thumbnails import services as thumbnail_services
from stamps.transcripts import services as transcript_services
from stamps.sharing.models import Share
from tests.conftest import wait_for_script
from tests.media import speech_wav, tone
from tests.stamps.sharing_helpers import harbour_scene, recording, reset_reply_throttle, stamp_with_media

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
    wait_for_script(page, f"{PLAYER_TIME} >= {seconds - 0.05} && {PLAYER_TIME} < {seconds + 0.75}", timeout=15)


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
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
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
    # The name is required: the browser stops the form and nothing is sent.
    assert page.evaluate("document.getElementById('reply-name').validity.valueMissing")
    page.fill("#reply-name", "Sam Reader")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_selector("text=Thank you, your reply was sent.")

    replies = api.get(f"/api/v1/voicestamps/{stamp.pk}/replies").json()["data"]
    assert [(r["name"], r["message"], r["share_code"]) for r in replies] == [
        ("Sam Reader", "The gulls at 3 seconds are wonderful", code)
    ]


def test_expired_link_page(api, stamp, live_server, page):
    code = _code(api, stamp, expires_at=(timezone.now() + timedelta(hours=1)).isoformat())
    Share.objects.filter(share_code=code).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = page.goto(f"{live_server.url}/share/{code}")
    assert response.status == 410
    assert page.locator("h1").inner_text() == "This link has expired"


# --- drawings, waveform, words ------------------------------------------------------------------
def _set_time(page, seconds: float):
    page.evaluate(f"(() => {{ const p = document.getElementById('player'); p.pause(); p.currentTime = {seconds}; }})()")
    wait_for_script(page, f"Math.abs({PLAYER_TIME} - {seconds}) < 0.01 && !document.getElementById('player').seeking")


def _drawn_at(page, x: float, y: float) -> list[int]:
    """The overlay canvas's pixel (RGBA) at fractions x, y of the image."""
    return page.evaluate(f"""(() => {{
        const canvas = document.getElementById('drawings');
        const pixel = canvas.getContext('2d').getImageData(Math.round({x} * canvas.width),
                                                           Math.round({y} * canvas.height), 1, 1).data;
        return Array.from(pixel);
    }})()""")


def _is_red(pixel):
    return pixel[3] > 200 and pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60


def _is_green(pixel):
    return pixel[3] > 200 and pixel[1] > 150 and pixel[0] < 60 and pixel[2] < 60


def test_drawings_appear_in_time_with_the_recording(api, stamp, live_server, page):
    # The helper's drawings: red along y=200 from x=40..120 at 1 s, green along y=40 from x=200..300 at 3 s.
    red, green = (80 / 320, 200 / 240), (250 / 320, 40 / 240)
    page.goto(f"{live_server.url}/share/{_code(api, stamp)}")
    wait_for_script(page, "document.getElementById('player').readyState >= 1")
    canvas = page.locator("#drawings").bounding_box()
    image = page.locator(".stage img").bounding_box()
    assert (canvas["width"], canvas["height"]) == (
        pytest.approx(image["width"], abs=1),
        pytest.approx(image["height"], abs=1),
    )

    _set_time(page, 0.5)
    page.wait_for_selector("#drawings[data-shown='0']")
    assert _drawn_at(page, *red)[3] == 0 and _drawn_at(page, *green)[3] == 0

    _set_time(page, 2.0)
    page.wait_for_selector("#drawings[data-shown='1']")
    assert _is_red(_drawn_at(page, *red)) and _drawn_at(page, *green)[3] == 0

    _set_time(page, 3.5)
    page.wait_for_selector("#drawings[data-shown='2']")
    assert _is_red(_drawn_at(page, *red)) and _is_green(_drawn_at(page, *green))

    # Back before the first drawing: the overlay is clear again.
    _set_time(page, 0.2)
    page.wait_for_selector("#drawings[data-shown='0']")
    assert _drawn_at(page, *red)[3] == 0


def test_the_waveform_carries_the_voice_tags_numbered_by_time(api, user, media_dir, live_server, page):
    tags = [
        {"timestamp": 3.0, "x": 160, "y": 120, "note": "Later"},
        {"timestamp": 1.0, "x": 40, "y": 40, "note": "Sooner"},
    ]
    stamp = stamp_with_media(user, media_dir, voice_tags=tags)
    page.goto(f"{live_server.url}/share/{_code(api, stamp)}")
    wave = page.locator("#waveform").bounding_box()
    numbers = page.locator(".wave-marker")
    assert numbers.all_inner_texts() == ["1", "2"]
    for index, seconds in enumerate((1.0, 3.0)):
        box = numbers.nth(index).bounding_box()
        assert box["x"] + box["width"] / 2 - wave["x"] == pytest.approx(wave["width"] * seconds / 4.0, abs=2)
    # The same numbers on the image and in the list, in time order.
    assert page.locator(".marker").all_inner_texts() == ["1", "2"]
    assert page.locator(".tags .note").all_inner_texts() == ["Sooner", "Later"]
    # The waveform is drawn from the recording's peaks: bars in the middle, nothing at the edges.
    drawn = page.evaluate("""(() => {
        const c = document.getElementById('waveform-canvas'), g = c.getContext('2d');
        const column = x => Array.from(g.getImageData(x, 0, 1, c.height).data).filter((v, i) => i % 4 === 3 && v > 0).length;
        return {middle: column(Math.round(c.width / 2) - (Math.round(c.width / 2) % 3)), height: c.height};
    })()""")
    assert 0.2 * drawn["height"] < drawn["middle"] < drawn["height"]

    # Pressing marker 2 on the waveform plays from its tag; pressing the waveform seeks there.
    numbers.nth(1).click()
    _seeked_to(page, 3.0)
    page.evaluate("document.getElementById('player').pause()")
    page.mouse.click(wave["x"] + wave["width"] * 0.25, wave["y"] + wave["height"] * 0.75)
    wait_for_script(page, f"Math.abs({PLAYER_TIME} - 1.0) < 0.1")


def test_who_shared_it_transcript_and_translation_are_shown(api, stamp, live_server, page):
    page.goto(f"{live_server.url}/share/{_code(api, stamp)}")
    assert page.locator(".byline").inner_text().split("\n")[0] == "A"
    assert page.locator(".shared-by").inner_text() == "Alice Example"
    assert page.locator("#transcript").inner_text() == "Gulls over the water. Then the ferry horn."
    translation = page.locator(".translation")
    assert translation.locator("h2").inner_text() == "Translation Spanish"
    assert translation.locator("p[lang=es]").inner_text() == "Gaviotas sobre el agua. Luego la bocina del ferry."
    # The transcript follows the player, and a sentence plays from where it was said.
    _set_time(page, 2.5)
    wait_for_script(page, "document.querySelectorAll('.segment.current').length === 1")
    assert page.locator(".segment.current").inner_text() == "Then the ferry horn."
    page.locator(".segment").first.click()
    _seeked_to(page, 0.0)


def test_link_previews_show_a_public_share_and_hide_a_protected_one(api, stamp, live_server, page, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    public = _code(api, stamp)
    page.goto(f"{live_server.url}/share/{public}")
    assert page.locator("meta[property='og:title']").get_attribute("content") == "Harbour walk"
    picture_url = page.locator("meta[property='og:image']").get_attribute("content")
    assert picture_url == f"{live_server.url}/share/{public}/preview"
    assert page.locator("meta[name='twitter:image']").get_attribute("content") == picture_url
    # What a previewer does: fetch the picture later, without cookies.
    picture = page.context.request.get(picture_url)
    assert picture.status == 200 and picture.headers["content-type"] == "image/jpeg" and len(picture.body()) > 1000

    protected = _code(api, stamp, privacy="password", password="open sesame")
    page.goto(f"{live_server.url}/share/{protected}")
    assert page.locator("meta[property='og:title']").get_attribute("content") == "A VoiceStamp was shared with you"
    assert page.locator("meta[property='og:image'], meta[name='twitter:image']").count() == 0
    assert "Harbour" not in page.content()


# --- long recordings: the signed link expires while the page plays ----------------------------
TEN_MINUTES = 600.0


@pytest.fixture(scope="module")
def ten_minute_recording(media_dir):
    # 8 kHz mono WAV: 9.6 MB, far more than a player buffers ahead, so a seek near the end must fetch.
    path = media_dir / "ten-minutes.wav"
    if not path.exists():
        tone(path, seconds=TEN_MINUTES, codec_args=["-ar", "8000", "-ac", "1"])
    return path


def _refused(url: str) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Range": "bytes=0-0"}), timeout=10):
            return False
    except urllib.error.HTTPError as error:
        return error.code == 403


def _outlive_the_links(time_machine, first_link):
    """Moves the server's clock past the links' lifetime (the browser's clock is untouched, and
    time keeps flowing), so a link dies at a known moment rather than by the machine's speed."""
    time_machine.move_to(time.time() + 2 * settings.STAMPS_SHARE_URL_TTL, tick=True)
    assert _refused(first_link)


def test_a_long_recording_plays_past_the_first_link_lifetime(
    api, user, live_server, page, time_machine, ten_minute_recording
):
    stamp = services.create_stamp(owner=user, title="Ten minutes at the harbour")
    services.attach_audio(
        user, stamp.pk, SimpleUploadedFile("long.wav", ten_minute_recording.read_bytes(), "audio/wav")
    )
    page.goto(f"{live_server.url}/share/{_code(api, stamp)}")
    first_link = page.evaluate("document.getElementById('player').currentSrc")
    page.evaluate("document.getElementById('player').play()")
    wait_for_script(page, f"{PLAYER_TIME} > 0.2", timeout=20)

    # The server now refuses the page's first link; jump to near the end.
    _outlive_the_links(time_machine, first_link)
    near_end = TEN_MINUTES - 5
    assert not page.evaluate(f"""(() => {{ const b = document.getElementById('player').buffered;
        for (let i = 0; i < b.length; i++) {{ if (b.start(i) <= {near_end} && {near_end} < b.end(i)) return true; }}
        return false; }})()""")
    page.evaluate(f"document.getElementById('player').currentTime = {near_end}")

    # It plays on from there with a fresh link, and says nothing went wrong.
    wait_for_script(page, f"{PLAYER_TIME} > {near_end + 1.5}", timeout=30)
    assert int(page.locator("#player").get_attribute("data-refreshed")) >= 1
    assert page.evaluate("document.getElementById('player').currentSrc") != first_link
    assert page.locator("#player-error").is_hidden()


def test_a_share_revoked_while_open_says_why_the_recording_stopped(
    api, user, live_server, page, time_machine, ten_minute_recording
):
    stamp = services.create_stamp(owner=user, title="Ten minutes at the harbour")
    services.attach_audio(
        user, stamp.pk, SimpleUploadedFile("long.wav", ten_minute_recording.read_bytes(), "audio/wav")
    )
    code = _code(api, stamp)
    page.goto(f"{live_server.url}/share/{code}")
    first_link = page.evaluate("document.getElementById('player').currentSrc")
    wait_for_script(page, "document.getElementById('player').readyState >= 1")
    api.delete(f"/api/v1/voicestamps/{stamp.pk}/shares/{code}")
    _outlive_the_links(time_machine, first_link)
    page.evaluate(f"document.getElementById('player').currentTime = {TEN_MINUTES - 5}")
    error = page.locator("#player-error")
    error.wait_for(state="visible", timeout=30000)
    assert error.inner_text() == "The recording could not be loaded (Share not found). Reload the page to try again."


# --- screenshots for docs/ ------------------------------------------------------------------------
NARRATION = (
    "Listen to the gulls over the harbour. The sun is going down behind the pier. "
    "Here comes the old fishing boat, right on time."
)


def _circle(cx, cy, r, steps=48):
    import math

    return [
        [round(cx + r * math.cos(2 * math.pi * i / steps), 1), round(cy + r * math.sin(2 * math.pi * i / steps), 1)]
        for i in range(steps + 1)
    ]


@pytest.fixture
def harbour_stamp(user, media_dir, tmp_path):
    """A stamp made the way a user makes one: spoken narration, a picture, tags, drawings, then
    transcribed (faster-whisper) and translated (Apertium) by the services."""
    narration = speech_wav(media_dir / "harbour-narration.wav", NARRATION)
    stamp = services.create_stamp(
        owner=user,
        title="Evening at the harbour",
        description="Three things to catch before the light goes: the gulls, the sunset and the last boat home.",
        voice_tags=[
            {"timestamp": 6.2, "x": 460, "y": 440, "note": "The fishing boat"},
            {"timestamp": 0.6, "x": 250, "y": 125, "note": "Gulls over the water"},
            {"timestamp": 2.8, "x": 653, "y": 294, "note": "Sunset behind the pier"},
        ],
    )
    services.attach_audio(user, stamp.pk, SimpleUploadedFile("narration.wav", narration.read_bytes(), "audio/wav"))
    services.attach_image(user, stamp.pk, SimpleUploadedFile("harbour.jpg", harbour_scene(), "image/jpeg"))
    thumbnail_services.generate_thumbnail(user, stamp.pk, style="card", timestamp=None, force=True)
    packaging_services.add_drawing(
        user,
        stamp.pk,
        strokes=[{"points": [[170, 110], [330, 110]], "color": "#ffffff", "width": 5, "tool": "pen"}],
        coordinates=None,
        timestamp=0.6,
    )
    packaging_services.add_drawing(
        user,
        stamp.pk,
        strokes=[{"points": _circle(653, 294, 80), "color": "#ffd23f", "width": 7, "tool": "pen"}],
        coordinates=None,
        timestamp=2.8,
    )
    packaging_services.add_drawing(
        user,
        stamp.pk,
        strokes=[
            {"points": [[640, 560], [560, 470]], "color": "#ff4f7b", "width": 8, "tool": "pen"},
            {"points": [[585, 470], [560, 470], [562, 495]], "color": "#ff4f7b", "width": 8, "tool": "pen"},
        ],
        coordinates=None,
        timestamp=6.2,
    )
    stamp, _ = transcript_services.start_transcription(user, stamp.pk)
    transcript_services.run_transcription(stamp.transcription_job_id)
    transcript_services.translate(user, text=None, target_language="es", source_language="en", vst_id=stamp.pk)
    stamp.refresh_from_db()
    assert stamp.transcription["segments"] and stamp.translations
    return stamp


def test_screenshots_at_phone_and_desktop_width(api, harbour_stamp, live_server, browser, tmp_path):
    """UPDATE_SCREENSHOTS=1 writes them to docs/; otherwise a run leaves the tree untouched."""
    folder = DOCS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    code = _code(api, harbour_stamp)
    sizes = {
        "phone": {
            "viewport": {"width": 375, "height": 812},
            "device_scale_factor": 2,
            "is_mobile": True,
            "has_touch": True,
        },
        "desktop": {"viewport": {"width": 1280, "height": 900}},
    }
    for name, options in sizes.items():
        context = browser.new_context(**options)
        page = context.new_page()
        try:
            page.goto(f"{live_server.url}/share/{code}")
            wait_for_script(page, "document.getElementById('stage-image').complete")
            _set_time(page, 3.4)  # the gulls and the sunset drawn, the boat still to come
            page.wait_for_selector("#drawings[data-shown='2']")
            wait_for_script(page, "document.querySelectorAll('.segment.current').length === 1")
            width = options["viewport"]["width"]
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            target = folder / f"share-page-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 50_000
        finally:
            context.close()


def test_drawings_without_an_image_are_drawn_on_a_board_of_their_frame(api, user, media_dir, live_server, page):
    stamp = stamp_with_media(user, media_dir, with_media=False, voice_tags=[])
    services.attach_audio(
        user, stamp.pk, SimpleUploadedFile("tone.wav", recording(media_dir).read_bytes(), "audio/wav")
    )
    packaging_services.add_drawing(
        user,
        stamp.pk,
        strokes=[{"points": [[100, 150], [300, 150]], "color": "#0000ff", "width": 10, "tool": "pen"}],
        coordinates={"width": 400, "height": 300},
        timestamp=None,
    )
    page.goto(f"{live_server.url}/share/{_code(api, stamp)}")
    board = page.locator(".stage.board").bounding_box()
    assert board["width"] / board["height"] == pytest.approx(400 / 300, abs=0.01)
    # A drawing without a time is there from the start; the helper's timed ones are not yet.
    page.wait_for_selector("#drawings[data-shown='1']")
    pixel = _drawn_at(page, 0.5, 0.5)
    assert pixel[3] > 200 and pixel[2] > 200 and pixel[0] < 60
