"""core.routes.RoutePath: the path reverse() gives, under whatever script prefix is active."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse, set_script_prefix

from core.routes import RoutePath


def test_gives_the_path_reverse_gives_for_each_value_and_script_prefix():
    audio_path = RoutePath("conversions-recording-audio", "recording_id", uuid.UUID(int=0))
    values = [uuid.uuid4() for _ in range(3)]
    try:
        for prefix in ("/", "/behind-a-proxy/"):
            set_script_prefix(prefix)
            for value in values:
                expected = reverse("conversions-recording-audio", kwargs={"recording_id": value})
                assert audio_path(value) == expected
            assert audio_path(values[0]).startswith(prefix)
    finally:
        set_script_prefix("/")


def test_absolute_urls_carry_the_requests_host(rf, settings):
    settings.ALLOWED_HOSTS = ["studio.example.com", "other.example.com"]
    audio_path = RoutePath("conversions-recording-audio", "recording_id", uuid.UUID(int=0))
    request = rf.get("/", HTTP_HOST="studio.example.com")
    value = uuid.uuid4()
    expected = request.build_absolute_uri(reverse("conversions-recording-audio", kwargs={"recording_id": value}))
    assert audio_path.absolute(value, request) == expected
    assert audio_path.absolute(value, rf.get("/", HTTP_HOST="other.example.com")).startswith(
        "http://other.example.com/"
    )


def test_a_stand_in_that_reverse_changes_is_refused():
    # reverse() quotes the space: the value's place cannot be found, so no wrong path is handed out.
    with pytest.raises(ImproperlyConfigured):
        RoutePath("stamps:file", "filename", "a stand in")("name.mp3")
