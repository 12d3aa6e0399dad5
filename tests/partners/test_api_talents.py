"""GET /programs/:program_id/talents and /talents/:talent_id, and the pages their URLs lead to:
talent profile, avatar, demo audio (streamed with Range) and the seven embeddable players."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.storage import object_storage
from partners.talents import services
from partners.models import Demo
from tests.media import image_bytes
from tests.partners.conftest import PREFIX

pytestmark = pytest.mark.django_db

PLAYER_KEYS = [
    "voices_standard",
    "light_standard",
    "light_standard_timer",
    "light_standard_complete",
    "dark_standard",
    "dark_standard_timer",
    "dark_standard_complete",
]


def add_demo(talent, short_mp3, title="Commercial", tags=("warm", "friendly")):
    upload = SimpleUploadedFile("demo.mp3", short_mp3.read_bytes(), content_type="audio/mpeg")
    return services.add_demo(talent, upload, title=title, tags=list(tags))


def local(url):
    return url.replace("http://testserver", "")


@pytest.fixture
def talent_with_demo(talent, short_mp3, local_storage):
    services.set_avatar(talent, SimpleUploadedFile("me.png", image_bytes(), content_type="image/png"))
    talent.refresh_from_db()
    add_demo(talent, short_mp3)
    return talent


def test_list_talents_of_a_program_with_every_documented_field(program, talent_with_demo, live_client):
    response = live_client.get(f"{PREFIX}/programs/{program.pk}/talents")
    assert response.status_code == 200
    body = response.json()
    assert body["data_count"] == 1 and body["mode"] == "live"
    row = body["data"][0]
    assert set(row) == {
        "talent_id",
        "talent_url",
        "first_name",
        "last_name",
        "gender",
        "languages",
        "feedback",
        "avatar",
        "demo",
    }
    assert (row["talent_id"], row["first_name"], row["last_name"], row["gender"]) == (
        talent_with_demo.pk,
        "Ada",
        "Voice",
        "female",
    )
    assert row["languages"] == ["English", "French"] and row["feedback"] == "Warm and clear."
    demo = row["demo"][0]
    assert demo["tags"] == ["warm", "friendly"]
    assert list(demo["url"]) == ["audio_url", *PLAYER_KEYS]
    assert all(url.startswith("http://testserver/v4/partners/p/") for url in demo["url"].values())


def test_talents_list_is_empty_for_a_program_without_talents(partner, make_program, live_client):
    empty = make_program(partner, name="Empty")
    assert live_client.get(f"{PREFIX}/programs/{empty.pk}/talents").json() == {
        "data": [],
        "data_count": 0,
        "mode": "live",
    }


def test_talents_list_constant_query_count(
    program, make_talent, short_mp3, local_storage, live_client, django_assert_max_num_queries
):
    add_demo(make_talent(program), short_mp3)
    with django_assert_max_num_queries(7) as small:
        live_client.get(f"{PREFIX}/programs/{program.pk}/talents")
    for index in range(5):
        extra = make_talent(program, first_name=f"T{index}")
        add_demo(extra, short_mp3)
        add_demo(extra, short_mp3, title="Narration")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert live_client.get(f"{PREFIX}/programs/{program.pk}/talents").json()["data_count"] == 6


def test_single_talent(talent_with_demo, live_client):
    response = live_client.get(f"{PREFIX}/talents/{talent_with_demo.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["data_count"] == 1 and body["mode"] == "live"
    assert body["data"]["talent_id"] == talent_with_demo.pk
    assert len(body["data"]["demo"]) == 1


@pytest.mark.parametrize("raw", ["abc", "1x", "-1", "0.5"])
def test_talent_id_must_be_a_number_102(raw, live_client):
    response = live_client.get(f"{PREFIX}/talents/{raw}")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": 102, "message": "Talent ID must be a number"}, "mode": "live"}


def test_talent_not_in_the_partners_programs_122(make_partner, make_program, make_talent, program, live_client):
    foreign = make_talent(make_program(make_partner("Other Co")))
    lonely = make_talent()
    for talent_id in (foreign.pk, lonely.pk, 31337):
        response = live_client.get(f"{PREFIX}/talents/{talent_id}")
        assert response.status_code == 403
        assert response.json()["error"] == {
            "code": 122,
            "message": "Talent not associated with any programs on your account",
        }


def test_audio_url_streams_the_stored_demo_with_range(talent_with_demo, short_mp3, live_client, anon):
    demo_urls = live_client.get(f"{PREFIX}/talents/{talent_with_demo.pk}").json()["data"]["demo"][0]["url"]
    content = short_mp3.read_bytes()
    whole = anon.get(local(demo_urls["audio_url"]))
    assert whole.status_code == 200 and whole["Content-Type"] == "audio/mpeg"
    assert b"".join(whole.streaming_content) == content
    partial = anon.get(local(demo_urls["audio_url"]), HTTP_RANGE="bytes=100-199")
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 100-199/{len(content)}"
    assert b"".join(partial.streaming_content) == content[100:200]


@pytest.mark.parametrize("key", PLAYER_KEYS)
def test_every_player_url_is_an_embeddable_page_playing_the_demo(key, talent_with_demo, live_client, anon):
    demo_urls = live_client.get(f"{PREFIX}/talents/{talent_with_demo.pk}").json()["data"]["demo"][0]["url"]
    page = anon.get(local(demo_urls[key]))
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "X-Frame-Options" not in page  # embeddable in a partner's site
    html = page.content.decode()
    theme = key.split("_")[0]
    assert f"theme-{theme}" in html
    audio_src = re.search(r'<audio[^>]*src="([^"]+)"', html).group(1)
    assert demo_urls["audio_url"].endswith(audio_src)
    assert ("player-timer" in html) == (key.endswith(("timer", "complete")) or key == "voices_standard")
    assert ("player-volume" in html) == key.endswith("complete")
    assert "/static/partners/player.js" in html and "https://" not in html  # no CDN


def test_unknown_player_style_and_demo_are_404(talent_with_demo, anon):
    demo = Demo.objects.get()
    assert anon.get(f"{PREFIX}/p/demos/{demo.public_id}/player/purple-standard").status_code == 404
    assert anon.get(f"{PREFIX}/p/demos/00000000-0000-0000-0000-000000000000/audio").status_code == 404


def test_talent_url_and_avatar(talent_with_demo, live_client, anon):
    data = live_client.get(f"{PREFIX}/talents/{talent_with_demo.pk}").json()["data"]
    profile = anon.get(local(data["talent_url"]))
    assert profile.status_code == 200
    html = profile.content.decode()
    assert "Ada Voice" in html and "Commercial" in html and "light-standard-complete" in html
    avatar = anon.get(local(data["avatar"]))
    assert avatar.status_code == 200 and avatar["Content-Type"] == "image/png"
    assert b"".join(avatar.streaming_content).startswith(b"\x89PNG")


def test_avatar_is_null_without_one(talent, live_client):
    assert live_client.get(f"{PREFIX}/talents/{talent.pk}").json()["data"]["avatar"] is None


def test_a_demo_must_be_audio_by_content(talent, local_storage):
    from core.errors import DomainError

    fake = SimpleUploadedFile("demo.mp3", image_bytes(), content_type="audio/mpeg")
    with pytest.raises(DomainError):
        services.add_demo(talent, fake, title="Fake", tags=[])
    assert Demo.objects.count() == 0 and object_storage.list("partners") == []
