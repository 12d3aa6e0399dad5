"""The voice-curation admin: list editing, search and filters, sample upload to storage, players,
createdBy/updatedBy from the admin user, engine mapping, soft delete."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.storage import object_storage
from gallery.models import TtsSubmission, Voice

from .conftest import grant_curation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_storage")]
CHANGELIST = "/admin/gallery/voice/"


@pytest.fixture
def staff_browser(admin_user):
    client = Client()
    client.force_login(grant_curation(admin_user))
    return client


def _add_form(**overrides):
    form = {
        "name": "Daniel",
        "voice_characteristic": "Male",
        "order_number": "3",
        "voice_is_ai": "on",
        "espeak_voice": "en-gb",
        "speech_rate": "150",
        "pitch": "40",
        "samples-TOTAL_FORMS": "1",
        "samples-INITIAL_FORMS": "0",
        "samples-MIN_NUM_FORMS": "0",
        "samples-MAX_NUM_FORMS": "5",
    }
    form.update(overrides)
    return form


def test_add_a_voice_with_an_uploaded_sample(staff_browser, admin_user, mp3_bytes):
    response = staff_browser.post(
        "/admin/gallery/voice/add/",
        _add_form(**{"samples-0-upload": SimpleUploadedFile("daniel.mp3", mp3_bytes, content_type="audio/mpeg")}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    voice = Voice.objects.get(name="Daniel")
    assert (voice.created_by_user_id, voice.created_by_name) == (str(admin_user.pk), "Staff Person")
    assert voice.updated_by == admin_user and voice.espeak_voice == "en-gb" and voice.is_published is False
    sample = voice.samples.get()
    assert sample.key.startswith("voice-samples/") and sample.position == 0
    with object_storage.open(sample.key) as stored:
        assert stored.read() == mp3_bytes


def test_add_voice_starts_on_the_english_engine_voice_listed_by_language_name(staff_browser):
    page = staff_browser.get("/admin/gallery/voice/add/").content.decode()
    selected = re.search(r'<option value="([^"]+)"[^>]*selected>([^<]+)</option>', page)
    assert selected.groups() == ("en-us", "English (America) (en-us)")
    assert '<option value="af">Afrikaans (af)</option>' in page
    select = page.split('name="espeak_voice"')[1].split("</select>")[0]
    names = [label.rsplit(" (", 1)[0] for label in re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select)]
    assert names == sorted(names, key=str.casefold)


def test_a_non_mp3_upload_is_refused_and_nothing_is_stored(staff_browser, wav_bytes):
    response = staff_browser.post(
        "/admin/gallery/voice/add/",
        _add_form(**{"samples-0-upload": SimpleUploadedFile("fake.mp3", wav_bytes, content_type="audio/mpeg")}),
    )
    assert response.status_code == 200
    assert "is not MP3 audio" in response.content.decode()
    assert not Voice.objects.exists()
    assert object_storage.list("voice-samples") == []


def test_unknown_engine_voice_and_bad_name_are_refused(staff_browser, mp3_bytes):
    response = staff_browser.post(
        "/admin/gallery/voice/add/",
        _add_form(
            name="<b>x</b>",
            espeak_voice="xx-nowhere",
            **{"samples-0-upload": SimpleUploadedFile("a.mp3", mp3_bytes, content_type="audio/mpeg")},
        ),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"name", "espeak_voice"}
    assert not Voice.objects.exists()


def test_change_page_plays_each_sample_through_a_signed_url(staff_browser, make_voice, mp3_bytes):
    voice = make_voice("Rachel")
    page = staff_browser.get(f"/admin/gallery/voice/{voice.pk}/change/").content.decode()
    sources = re.findall(r'<audio controls preload="none" src="([^"]+)"', page)
    assert sources, page[:2000]
    path = sources[0].replace("http://testserver", "").replace("&amp;", "&")
    played = Client().get(path, HTTP_RANGE="bytes=0-99")
    assert played.status_code == 206
    assert b"".join(played.streaming_content) == mp3_bytes[:100]


def test_order_and_publish_are_edited_in_the_list(staff_browser, admin_user, make_voice, make_user):
    editor = grant_curation(make_user(email="ed@example.com", display_name="Editor", is_staff=True))
    first = make_voice("First", order_number=1, is_published=False)
    second = make_voice("Second", order_number=2, is_published=True)
    client = Client()
    client.force_login(editor)
    response = client.post(
        CHANGELIST,
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(first.pk),
            "form-0-order_number": "5",
            "form-0-is_published": "on",
            "form-1-id": str(second.pk),
            "form-1-order_number": "2",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order_number, first.is_published, first.updated_by_name) == (5, True, "Editor")
    assert second.is_published is False
    assert first.created_by_name == "Staff Person"


def test_search_and_filters(staff_browser, make_voice):
    make_voice("Rachel", is_published=True)
    make_voice("Adam", is_published=False, characteristic="Male")
    page = staff_browser.get(CHANGELIST, {"q": "rach"})
    assert [voice.name for voice in page.context["cl"].result_list] == ["Rachel"]
    page = staff_browser.get(CHANGELIST, {"is_published__exact": "0"})
    assert [voice.name for voice in page.context["cl"].result_list] == ["Adam"]
    page = staff_browser.get(CHANGELIST, {"voice_characteristic__exact": "Male"})
    assert [voice.name for voice in page.context["cl"].result_list] == ["Adam"]


def test_soft_delete_action_refuses_voices_in_use_and_restore_brings_back(staff_browser, make_voice, user):
    used = make_voice("Used")
    free = make_voice("Free")
    TtsSubmission.objects.create(user=user, voice=used, text="hello")
    response = staff_browser.post(
        CHANGELIST, {"action": "soft_delete", "_selected_action": [used.pk, free.pk]}, follow=True
    )
    text = response.content.decode()
    assert "Used: Cannot delete voice that is currently in use" in text
    assert Voice.objects.get(pk=free.pk).deleted_at is not None
    assert Voice.objects.get(pk=used.pk).deleted_at is None
    staff_browser.post(CHANGELIST, {"action": "restore", "_selected_action": [free.pk]})
    assert Voice.objects.get(pk=free.pk).deleted_at is None


def test_removing_a_sample_in_the_admin_renumbers_and_cleans_up(staff_browser, make_voice, stored_sample):
    from core.models import Job
    from gallery import services

    voice = make_voice("Rachel")
    services.update_voice(voice.pk, actor=voice.created_by, changes={}, sample_urls=[stored_sample(), stored_sample()])
    first, second = list(voice.samples.order_by("position"))
    form = _add_form(
        name="Rachel",
        voice_characteristic="Female",
        **{
            "samples-TOTAL_FORMS": "2",
            "samples-INITIAL_FORMS": "2",
            "samples-0-id": str(first.pk),
            "samples-0-voice": str(voice.pk),
            "samples-0-DELETE": "on",
            "samples-1-id": str(second.pk),
            "samples-1-voice": str(voice.pk),
        },
    )
    response = staff_browser.post(f"/admin/gallery/voice/{voice.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [(sample.pk, sample.position) for sample in voice.samples.all()] == [(second.pk, 0)]
    assert [first.key] in [job.payload["keys"] for job in Job.objects.filter(kind="storage.cleanup")]


def test_uploaded_samples_are_removed_when_the_admin_save_fails(staff_browser, mp3_bytes, monkeypatch):
    from django.db import IntegrityError

    from gallery import services

    def broken(*args, **kwargs):
        raise IntegrityError("simulated failure after the sample was stored")

    monkeypatch.setattr(services, "arrange_samples", broken)
    with pytest.raises(IntegrityError):
        staff_browser.post(
            "/admin/gallery/voice/add/",
            _add_form(**{"samples-0-upload": SimpleUploadedFile("daniel.mp3", mp3_bytes, content_type="audio/mpeg")}),
        )
    assert not Voice.objects.exists()
    assert object_storage.list("voice-samples") == []


def test_a_sample_uploaded_straight_to_storage_is_posted_by_url(staff_browser, stored_sample, wav_bytes):
    good = stored_sample()
    response = staff_browser.post("/admin/gallery/voice/add/", _add_form(**{"samples-0-file_url": good}))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Voice.objects.get(name="Daniel").samples.get().key == object_storage.key_from_object_url(good)
    for bad in (stored_sample(wav_bytes), "https://elsewhere.example/voice-samples/a.mp3"):
        response = staff_browser.post(
            "/admin/gallery/voice/add/", _add_form(name="Other", **{"samples-0-file_url": bad})
        )
        assert response.status_code == 200
        assert "not an MP3 of at most 5 MB in our storage" in response.content.decode()
    assert Voice.objects.count() == 1
