"""Audio that staff upload in the admin (deliveries, demos) goes through the same intake caps (issue 12)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.storage import object_storage
from partners.models import Demo

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def test_a_delivery_longer_than_the_cap_is_refused_in_the_admin(
    admin_client, program, talent, make_job, short_mp3, local_storage, settings
):
    settings.PARTNERS_AUDIO_MAX_SECONDS = 0.5
    job = make_job(program, talent, status="assigned")
    response = admin_client.post(
        f"/admin/partners/job/{job.pk}/change/",
        {
            "talent": talent.pk,
            "deliver_file": SimpleUploadedFile("take.mp3", short_mp3.read_bytes(), content_type="audio/mpeg"),
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert any("Not saved" in text and "seconds" in text for text in _messages(response))
    job.refresh_from_db()
    assert job.delivered_file_key == "" and object_storage.list("partners") == []


def test_a_demo_larger_than_the_cap_is_refused_in_the_admin(admin_client, talent, short_mp3, local_storage, settings):
    settings.PARTNERS_AUDIO_MAX_BYTES = 1000
    response = admin_client.post(
        f"/admin/partners/talent/{talent.pk}/change/",
        {
            "first_name": "Ada",
            "last_name": "Voice",
            "gender": "female",
            "languages": '["English"]',
            "demo_audio": SimpleUploadedFile("demo.mp3", short_mp3.read_bytes(), content_type="audio/mpeg"),
            "demos-TOTAL_FORMS": "0",
            "demos-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert any("Upload refused" in text and "1000 bytes" in text for text in _messages(response))
    assert Demo.objects.count() == 0 and object_storage.list("partners") == []
