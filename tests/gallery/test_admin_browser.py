"""End to end in headless chromium: a curator logs in to /admin/, creates a voice with a sample
uploaded straight to storage, publishes it from the list, and the public API shows it."""

import pytest
import requests

from core.storage import object_storage
from gallery.models import Voice

from .conftest import grant_curation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_storage")]


def test_curator_creates_publishes_and_the_api_lists_it(page, live_server, admin_user, mp3_path):
    grant_curation(admin_user)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/gallery/voice/")
    page.fill("#id_username", admin_user.email)
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/gallery/voice/")

    page.goto(f"{live_server.url}/admin/gallery/voice/add/")
    page.fill("#id_name", "Browser Voice")
    page.select_option("#id_voice_characteristic", "Female")
    page.fill("#id_order_number", "2")
    page.select_option("#id_espeak_voice", "en-gb")
    page.set_input_files("input[name='samples-0-upload']", str(mp3_path))
    # The file goes straight to storage through an upload slot; the form then posts only its URL.
    page.wait_for_selector(".direct-upload-status:has-text('Uploaded to storage')")
    file_url = page.input_value("input[name='samples-0-file_url']")
    key = object_storage.key_from_object_url(file_url)
    assert key.startswith("voice-samples/") and object_storage.size(key) == mp3_path.stat().st_size
    assert page.input_value("input[name='samples-0-upload']") == ""
    page.click("input[name='_save']")
    page.wait_for_url("**/admin/gallery/voice/")
    assert "was added successfully" in page.content()

    public = requests.get(f"{live_server.url}/api/v1/voice-gallery", timeout=10).json()["data"]["items"]
    assert public == []

    page.check("input[name='form-0-is_published']")
    page.click("input[name='_save']")
    page.wait_for_load_state()
    public = requests.get(f"{live_server.url}/api/v1/voice-gallery", timeout=10).json()["data"]["items"]
    assert [item["name"] for item in public] == ["Browser Voice"]
    voice = Voice.objects.get(name="Browser Voice")
    assert public[0]["createdBy"] == {"userId": str(admin_user.pk), "userName": "Staff Person"}
    assert public[0]["samples"] == [file_url]
    assert voice.samples.get().key == key

    page.goto(f"{live_server.url}/admin/gallery/voice/{voice.pk}/change/")
    source = page.get_attribute("audio", "src")
    status = page.evaluate("async (url) => (await fetch(url, {headers: {Range: 'bytes=0-9'}})).status", source)
    assert status == 206
