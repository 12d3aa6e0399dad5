"""Staff curate the catalogue in the admin: image (cleaned, thumbnailed), engine parameters, publishing,
sample rendering."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conversions.models import Voice
from core.storage import object_storage
from tests.media import image_bytes

from .catalogue_factories import make_voice

pytestmark = pytest.mark.django_db


def form_data(voice, **changes):
    data = {
        "name": voice.name,
        "slug": voice.slug,
        "owner": str(voice.owner_id),
        "visibility": voice.visibility,
        "species": voice.species,
        "gender": voice.gender,
        "age_group": voice.age_group,
        "pitch_group": voice.pitch_group,
        "nationality": voice.nationality,
        "artist": "",
        "description": "",
        "rating": voice.rating,
        "sort_order": voice.sort_order,
        "pitch": voice.pitch,
        "formant_ratio": voice.formant_ratio,
        "pitch_range": voice.pitch_range,
        "breathiness": voice.breathiness,
        "active": "on",
        "accents-TOTAL_FORMS": "0",
        "accents-INITIAL_FORMS": "0",
        "narration_styles-TOTAL_FORMS": "0",
        "narration_styles-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_staff_set_an_image_and_engine_parameters(staff_client, staff_user, local_storage):
    voice = make_voice(staff_user, accents=0, styles=0)
    assert staff_client.get("/admin/conversions/voice/").status_code == 200
    url = f"/admin/conversions/voice/{voice.pk}/change/"
    assert staff_client.get(url).status_code == 200
    image = SimpleUploadedFile("portrait.png", image_bytes(800, 600), content_type="image/png")
    response = staff_client.post(url, form_data(voice, image=image, pitch="140", formant_ratio="0.9"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    voice.refresh_from_db()
    assert (voice.pitch, voice.formant_ratio) == (140, 0.9)
    assert object_storage.exists(voice.image_key) and object_storage.exists(voice.thumbnail_key)
    assert voice.image_key.endswith(".png") and voice.thumbnail_key.endswith(".jpg")

    # Not an image, and out-of-range engine parameters: the form says so, nothing changes.
    bad = SimpleUploadedFile("portrait.png", b"not an image", content_type="image/png")
    response = staff_client.post(url, form_data(voice, image=bad, formant_ratio="3"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "image" in errors and "formant_ratio" in errors
    voice.refresh_from_db()
    assert voice.formant_ratio == 0.9


def test_publish_unpublish_and_render_samples_actions(staff_client, staff_user, local_storage, api):
    voice = make_voice(staff_user, active=False)
    changelist = "/admin/conversions/voice/"
    staff_client.post(changelist, {"action": "publish", "_selected_action": [str(voice.pk)]})
    assert Voice.objects.get(pk=voice.pk).active is True
    assert api.get("/api/v2/voices").json()["pagination"]["count"] == 1
    staff_client.post(changelist, {"action": "unpublish", "_selected_action": [str(voice.pk)]})
    assert api.get("/api/v2/voices").json()["pagination"]["count"] == 0
    staff_client.post(changelist, {"action": "render_samples", "_selected_action": [str(voice.pk)]})
    accent = voice.accents.get()
    accent.refresh_from_db()
    assert accent.sample_key and object_storage.exists(accent.sample_key) and accent.sample_duration > 1
