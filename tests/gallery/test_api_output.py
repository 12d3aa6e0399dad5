"""GalleryVoiceOutput builds its body directly (for speed); the declared fields are the schema.
These tests hold the two equal, value for value and in the same order."""

import datetime

import pytest
from django.test import RequestFactory
from rest_framework import serializers

from gallery import selectors
from gallery.api.serializers import GalleryVoiceOutput
from gallery.models import Voice, VoiceSample

pytestmark = pytest.mark.django_db


def _declared(row, request) -> dict:
    """What DRF's generic field-by-field path answers for ``row``."""
    return serializers.Serializer.to_representation(GalleryVoiceOutput(context={"request": request}), row)


def test_the_voice_body_is_what_its_declared_fields_answer(admin_user, make_voice, stored_sample, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=datetime.UTC), tick=False)
    plain = make_voice("Plain voice")
    odd = make_voice("Épsilon (β)-x", order_number=0, is_published=False, characteristic="Accent")
    Voice.objects.filter(pk=odd.pk).update(
        voice_is_ai=False,
        created_by_user_id="",
        created_by_name="",
        updated_by_name="Ann O’Neil",
        updated_at=datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC),
    )
    request = RequestFactory().get("/api/v1/voice-gallery")
    rows = selectors.with_sample_keys(list(selectors.voices_for_listing(admin_user)))
    assert [row["id"] for row in rows] == [odd.pk, plain.pk]

    listed = GalleryVoiceOutput(rows, many=True, context={"request": request}).data
    for row, body in zip(rows, listed, strict=True):
        # The clock stands still, so even the signed URLs are the same.
        assert list(body.items()) == list(_declared(row, request).items())
    assert listed[0]["updatedAt"] == "2026-03-04T05:06:07Z"
    assert listed[1]["createdAt"] == "2026-03-04T05:06:07.000890Z"


def test_samples_are_listed_in_position_order_whatever_order_the_rows_are_in(anon, make_voice):
    voice = make_voice("Ordered")
    keys = [f"voice-samples/{name}.mp3" for name in ("c", "a", "b")]
    voice.samples.all().delete()
    # Rows written out of position order, so neither insertion nor key order gives the answer.
    VoiceSample.objects.bulk_create(
        [
            VoiceSample(voice=voice, position=position, key=key)
            for position, key in ((2, keys[2]), (0, keys[0]), (1, keys[1]))
        ]
    )
    listed = anon.get("/api/v1/voice-gallery").json()["data"]["items"]
    assert [url.rsplit("/", 1)[1] for url in listed[0]["samples"]] == ["c.mp3", "a.mp3", "b.mp3"]
    single = anon.get(f"/api/v1/voice-gallery/{voice.pk}").json()["data"]
    assert single["samples"] == listed[0]["samples"]
