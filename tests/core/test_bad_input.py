"""Bad input never answers 500: each attack gets the API's own 4xx (issue 12).

Run on SQLite and on PostgreSQL (DATABASE_URL): the NUL character and the huge offset are
refused before the database sees them.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.fixture
def partner_client(db):
    from partners.account import services

    partner, key = services.create_partner(name="Deep Audio", live=False)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.fixture
def staff_api(staff_user):
    return bearer_client(staff_user)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_json_nested_5000_deep_is_each_apis_400(api, anon, staff_api, partner_client, body, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "1000/minute"}
    stamps = api.post("/api/v1/voicestamps", data=body, content_type="application/json")
    assert stamps.status_code == 400 and stamps.json()["error"] == "bad_request", stamps.content
    register = anon.post("/api/v1/auth/register", data=body, content_type="application/json")
    assert register.status_code == 400 and register.json()["error"] == "bad_request", register.content
    conversions = api.post("/api/projects", data=body, content_type="application/json")
    assert conversions.status_code == 400 and "nested" in conversions.json()["detail"], conversions.content
    gallery = staff_api.post("/api/v1/voice-gallery", data=body, content_type="application/json")
    assert gallery.status_code == 400 and gallery.json()["success"] is False, gallery.content
    partners = partner_client.post("/v4/partners/jobs", data=body, content_type="application/json")
    assert partners.status_code == 400 and "error" in partners.json(), partners.content


def test_json_deeper_than_the_setting_is_refused_and_shallower_is_accepted(api, settings):
    settings.JSON_MAX_DEPTH = 4
    deep = api.post("/api/v1/voicestamps", {"title": "t", "metadata": {"a": {"b": {"c": {"d": 1}}}}}, format="json")
    assert deep.status_code == 400 and "nested" in deep.json()["message"]
    fine = api.post("/api/v1/voicestamps", {"title": "t", "metadata": {"a": {"b": 1}}}, format="json")
    assert fine.status_code == 201, fine.content


def test_deep_json_in_a_multipart_metadata_field_is_422(api):
    from stamps.models import Stamp

    response = api.post("/api/v1/voicestamps", {"title": "t", "metadata": DEEP_OBJECT}, format="multipart")
    assert response.status_code == 422 and "metadata" in response.json()["errors"], response.content
    assert not Stamp.objects.exists()


@pytest.mark.parametrize("metadata", [{"note": "a\u0000b"}, {"k\u0000": "v"}, {"list": [["\u0000"]]}])
def test_nul_character_in_stamp_metadata_is_422(api, metadata):
    from stamps.models import Stamp

    created = api.post("/api/v1/voicestamps", {"title": "t", "metadata": metadata}, format="json")
    assert created.status_code == 422 and "metadata" in created.json()["errors"], created.content
    assert not Stamp.objects.exists()
    stamp_id = api.post("/api/v1/voicestamps", {"title": "t"}, format="json").json()["data"]["id"]
    updated = api.patch(f"/api/v1/voicestamps/{stamp_id}", {"metadata": metadata}, format="json")
    assert updated.status_code == 422, updated.content
    assert Stamp.objects.get(pk=stamp_id).metadata == {}


@pytest.mark.parametrize(
    "query",
    [
        "offset=9223372036854775808",
        "offset=99999999999999999999999999",
        "offset=1000000001",
        "limit=10&offset=-1",
        "offset=\u0667",
        "offset=1e3",
    ],
)
def test_respeecher_offset_out_of_bounds_is_422(api, query):
    response = api.get(f"/api/projects?{query}")
    assert response.status_code == 422, (query, response.content)
    assert response.json()["detail"][0]["loc"][-1] in ("offset", "limit")


def test_the_largest_offset_is_an_empty_page(api):
    response = api.get("/api/projects?offset=1000000000")
    assert response.status_code == 200 and response.json()["list"] == []


@pytest.mark.parametrize("path, param", [("/api/v1/voicestamps", "page"), ("/api/v1/voice-gallery", "page")])
def test_page_past_the_bound_is_a_validation_error(api, path, param):
    response = api.get(f"{path}?{param}=1000001")
    assert response.status_code in (400, 422), response.content
    assert api.get(f"{path}?{param}=\uff17").status_code in (400, 422)


def test_pagination_bounds_are_declared_in_the_openapi(api):
    from django.test import Client

    schema = Client().get("/api/schema/?format=json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/projects"]["get"]["parameters"]}
    assert params["offset"]["maximum"] == 1_000_000_000 and params["limit"]["maximum"] >= 1
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/voicestamps"]["get"]["parameters"]}
    assert params["page"] == {"type": "integer", "minimum": 1, "maximum": 1_000_000}


@pytest.mark.parametrize("raw", ["\u00b2", "\u0667", "\uff17", "7\u0301", " 7", "+7", "0x7", "7.0"])
def test_non_ascii_digits_never_open_a_stamp(api, user, raw):
    from stamps import services
    from stamps.models import Stamp

    stamp = services.create_stamp(owner=user, title="Seven")
    Stamp.objects.filter(pk=stamp.pk).update(id=7)
    assert api.get("/api/v1/voicestamps/7").status_code == 200
    for path in (
        f"/api/v1/voicestamps/{raw}",
        f"/api/v1/security/vst/{raw}/manifest",
        f"/api/v1/voicestamps/{raw}/shares",
    ):
        response = api.get(path)
        assert response.status_code == 404, (path, response.content)
        assert response.json() == {"error": "resource_not_found", "message": "VoiceStamp not found"}


@pytest.mark.parametrize("raw", ["\u00b2", "\u0667", "\uff17"])
def test_partner_ids_in_other_scripts_are_the_not_a_number_error(partner_client, raw):
    response = partner_client.get(f"/v4/partners/jobs/{raw}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] != 500


def test_gallery_ids_in_other_scripts_are_404(staff_api):
    arabic_uuid = "\u0667" * 32
    assert staff_api.get(f"/api/v1/voice-gallery/{arabic_uuid}").status_code == 404


def test_a_replayed_upload_slot_put_overwrites_like_s3(api, local_storage):
    from core.storage import new_key, object_storage

    key = new_key("voice-samples", ".mp3")
    slot = object_storage.upload_slot(key, content_type="audio/mpeg", max_size=100)
    path = slot.url.replace("http://testserver", "")
    first = api.generic("PUT", path, b"first body", content_type="audio/mpeg")
    assert first.status_code == 200, first.content
    again = api.generic("PUT", path, b"the second body", content_type="audio/mpeg")
    assert again.status_code == 200, again.content
    with object_storage.open(key) as stored:
        assert stored.read() == b"the second body"
    assert object_storage.list("voice-samples") == [key]


@pytest.mark.parametrize("raw", ["\u0667", "\uff17", "9" * 30, True, -7])
def test_ids_in_bodies_are_ascii_digits_too(api, user, raw):
    from stamps import services
    from stamps.models import Stamp

    stamp = services.create_stamp(owner=user, title="Seven")
    Stamp.objects.filter(pk=stamp.pk).update(id=7)
    response = api.post("/api/v1/security/ai/translate", {"vst_id": raw, "target_language": "es"}, format="json")
    assert response.status_code == 422 and "vst_id" in response.json()["errors"], response.content


@pytest.mark.parametrize(
    "path, status",
    [
        ("/v4/partners/programs/%00", 400),
        ("/v4/partners/jobs/1%00", 400),
        ("/v4/partners/talents/%00", 400),
        ("/api/v1/voicestamps?search=a%00b", 422),
        ("/api/v1/voicestamp/public/ab%00cd", 404),
        ("/share/ab%00cd", 404),
        ("/api/projects?sort=%00", 422),
        ("/api/v2/voices/search?query=%00", 422),
        ("/api/v1/voice-gallery/%00", 404),
    ],
)
def test_nul_in_urls_is_a_4xx(api, partner_client, path, status):
    """PostgreSQL text cannot hold NUL: a path or query carrying one (logged by the partner audit
    trail, looked up as a share code, ...) is the API's 4xx, never a database error."""
    client = partner_client if path.startswith("/v4/") else api
    assert client.get(path).status_code == status
