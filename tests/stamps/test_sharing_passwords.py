"""Share passwords are checked in one place, with one budget of wrong guesses per share and
client, on every route that takes one: the public API, the file routes (?share=) and the page."""

import pytest
from django.test import Client

from stamps.models import StampFile
from tests.conftest import clear_cache
from tests.stamps.sharing_helpers import stamp_with_media

pytestmark = pytest.mark.django_db
PASSWORD = "open sesame"


@pytest.fixture
def stamp(user, media_dir):
    return stamp_with_media(user, media_dir)


@pytest.fixture
def code(api, stamp, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "stamps_share_password": "3/minute"}
    clear_cache()
    response = api.post(
        f"/api/v1/voicestamps/{stamp.pk}/share", {"privacy": "password", "password": PASSWORD}, format="json"
    )
    return response.json()["share_code"]


def _routes(stamp, code):
    audio = StampFile.objects.get(stamp=stamp, role="audio").filename
    image = StampFile.objects.get(stamp=stamp, role="image").filename
    return {
        "public share": f"/api/v1/voicestamp/public/{code}",
        "public share data": f"/api/v1/voicestamp/public/{code}/data",
        "file by name": f"/api/v1/files/{audio}?share={code}",
        "stamp audio": f"/api/v1/security/vst/{stamp.pk}/audio/{audio}?share={code}",
        "stamp image": f"/api/v1/security/vst/{stamp.pk}/image/{image}?share={code}",
    }


ROUTES = ["public share", "public share data", "file by name", "stamp audio", "stamp image"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_guessing_loop_on_an_api_route_is_throttled(anon, stamp, code, route):
    url = _routes(stamp, code)[route]
    guesses = [anon.get(url, HTTP_X_SHARE_PASSWORD=f"guess {n}") for n in range(3)]
    assert [r.status_code for r in guesses] == [401, 401, 401]
    assert guesses[0].json() == {"error": "invalid_password", "message": "The password is incorrect"}
    # Out of guesses: even the right password is refused, before it is compared.
    blocked = anon.get(url, HTTP_X_SHARE_PASSWORD=PASSWORD)
    assert blocked.status_code == 429 and blocked.json()["error"] == "rate_limited"
    assert int(blocked["Retry-After"]) > 0
    # Another client still opens it with the right password.
    assert anon.get(url, HTTP_X_SHARE_PASSWORD=PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 200


def test_a_guessing_loop_on_the_share_page_is_throttled(code):
    browser = Client(enforce_csrf_checks=True)
    browser.get(f"/share/{code}")
    token = browser.cookies["csrftoken"].value
    statuses = [
        browser.post(f"/share/{code}", {"password": f"guess {n}", "csrfmiddlewaretoken": token}).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 401]
    blocked = browser.post(f"/share/{code}", {"password": PASSWORD, "csrfmiddlewaretoken": token})
    assert blocked.status_code == 429 and "Too many attempts" in blocked.content.decode()


def test_one_budget_across_every_route(anon, stamp, code):
    routes = _routes(stamp, code)
    for route in ("file by name", "stamp audio", "stamp image"):
        assert anon.get(routes[route], HTTP_X_SHARE_PASSWORD="wrong").status_code == 401
    assert anon.get(routes["public share"], HTTP_X_SHARE_PASSWORD=PASSWORD).status_code == 429
    browser = Client(enforce_csrf_checks=True)
    browser.get(f"/share/{code}")
    page = browser.post(
        f"/share/{code}", {"password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    )
    assert page.status_code == 429


def test_the_right_password_is_not_slowed_down(anon, stamp, code):
    routes = _routes(stamp, code)
    for _ in range(3):
        for route in ROUTES:
            assert anon.get(routes[route], HTTP_X_SHARE_PASSWORD=PASSWORD).status_code == 200, route


def test_a_wrong_password_reveals_nothing_about_files(anon, stamp, code):
    """No 401-vs-404 oracle: a wrong password gets the same answer for a file that exists and one that does not."""
    present = anon.get(_routes(stamp, code)["file by name"], HTTP_X_SHARE_PASSWORD="wrong")
    missing = anon.get(f"/api/v1/files/nothing-here.wav?share={code}", HTTP_X_SHARE_PASSWORD="wrong")
    elsewhere = anon.get(f"/api/v1/security/vst/999999/audio/nothing.wav?share={code}", HTTP_X_SHARE_PASSWORD="wrong")
    assert present.status_code == missing.status_code == elsewhere.status_code == 401
    assert present.json() == missing.json() == elsewhere.json()
    assert (
        anon.get(f"/api/v1/files/nothing-here.wav?share={code}", HTTP_X_SHARE_PASSWORD="also wrong").status_code == 429
    )


def test_asking_without_a_password_spends_nothing(anon, stamp, code):
    url = _routes(stamp, code)["file by name"]
    for _ in range(5):
        assert anon.get(url).json()["error"] == "password_required"
    assert anon.get(url, HTTP_X_SHARE_PASSWORD=PASSWORD).status_code == 200
