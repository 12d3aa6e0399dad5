"""core.routes.RoutePath: the path reverse() gives, under whatever script prefix is active."""

import uuid

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
