"""The public partner pages (players, talent profiles) are made to be framed on partners' sites:
their Content-Security-Policy lets any site frame them and is otherwise as strict as every page's."""

import pytest

from tests.core.test_headers import policy_of
from tests.partners.test_api_talents import add_demo

pytestmark = pytest.mark.django_db


def test_partner_players_are_embeddable_but_otherwise_strict(anon, talent, short_mp3, local_storage):
    demo = add_demo(talent, short_mp3)
    for path in (
        f"/v4/partners/p/demos/{demo.public_id}/player/dark-standard-complete",
        f"/v4/partners/p/talents/{talent.public_id}",
    ):
        response = anon.get(path)
        assert response.status_code == 200, path
        policy = policy_of(response)
        assert policy["frame-ancestors"] == ["*"], path
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], path
        assert policy["frame-src"] == ["'self'"], path
    audio = anon.get(f"/v4/partners/p/demos/{demo.public_id}/audio")
    assert audio.status_code == 200
    assert audio["Cache-Control"] == "private, max-age=3600"  # public demo audio stays cacheable
