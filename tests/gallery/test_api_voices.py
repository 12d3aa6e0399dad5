"""GET/POST /api/v1/voice-gallery and GET/PUT/DELETE /api/v1/voice-gallery/{id}, as the spec reads."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.storage import object_storage
from gallery.models import TtsSubmission, Voice, VoiceSample

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_storage")]

ENTITY_KEYS = {
    "id",
    "name",
    "voiceCharacteristic",
    "orderNumber",
    "samples",
    "playableSamples",
    "voiceIsAI",
    "isPublished",
    "createdAt",
    "updatedAt",
    "createdBy",
    "updatedBy",
}
URL = "/api/v1/voice-gallery"


def names(response):
    return [item["name"] for item in response.json()["data"]["items"]]


# --- Get All Voices ---------------------------------------------------------------------------
def test_anonymous_list_has_only_published_voices_sorted_by_order_then_name(anon, make_voice):
    make_voice("Zed", order_number=1)
    make_voice("Adam", order_number=2)
    make_voice("Bella", order_number=1)
    make_voice("Hidden", order_number=0, is_published=False)
    make_voice("abigail", order_number=1)
    response = anon.get(URL, {"isPublished": "false"})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert names(response) == ["abigail", "Bella", "Zed", "Adam"]
    assert body["data"]["pagination"] == {
        "page": 1,
        "size": 10,
        "totalItems": 4,
        "totalPages": 1,
        "hasNextPage": False,
        "hasPreviousPage": False,
    }
    assert set(body["data"]["items"][0]) == ENTITY_KEYS


def test_a_regular_user_sees_only_published_voices_whatever_the_filter(client_for, user, make_voice):
    make_voice("Shown")
    make_voice("Draft", is_published=False)
    api = client_for(user)
    assert names(api.get(URL)) == ["Shown"]
    assert names(api.get(URL, {"isPublished": "false"})) == ["Shown"]


def test_admin_sees_all_by_default_and_can_filter_either_way(admin_api, make_voice):
    make_voice("Shown", order_number=1)
    make_voice("Draft", order_number=2, is_published=False)
    assert names(admin_api.get(URL)) == ["Shown", "Draft"]
    assert names(admin_api.get(URL, {"isPublished": "true"})) == ["Shown"]
    assert names(admin_api.get(URL, {"isPublished": "false"})) == ["Draft"]


def test_deleted_voices_are_never_listed(admin_api, make_voice):
    voice = make_voice("Gone")
    admin_api.delete(f"{URL}/{voice.pk}")
    assert names(admin_api.get(URL)) == []


def test_pagination_pages_and_limits(anon, make_voice):
    for index in range(5):
        make_voice(f"Voice {index}", order_number=index)
    second = anon.get(URL, {"page": 2, "size": 2}).json()["data"]
    assert [item["name"] for item in second["items"]] == ["Voice 2", "Voice 3"]
    assert second["pagination"] == {
        "page": 2,
        "size": 2,
        "totalItems": 5,
        "totalPages": 3,
        "hasNextPage": True,
        "hasPreviousPage": True,
    }
    assert anon.get(URL, {"page": 9}).json()["data"]["items"] == []


@pytest.mark.parametrize("params", [{"size": 101}, {"size": 0}, {"page": 0}, {"page": "x"}])
def test_bad_paging_is_a_validation_error(anon, params):
    response = anon.get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_admin_bad_is_published_value_is_a_validation_error(admin_api):
    response = admin_api.get(URL, {"isPublished": "maybe"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"isPublished"}


def _list_queries(client, size):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"size": size})
    assert response.status_code == 200
    return len(response.json()["data"]["items"]), len(queries)


def test_list_query_count_does_not_grow_with_the_page(anon, admin_api, make_voice):
    for index in range(3):
        make_voice(f"Small {index}")
    small = _list_queries(anon, 100)
    small_admin = _list_queries(admin_api, 100)
    for index in range(25):
        make_voice(f"Large {index}")
    large = _list_queries(anon, 100)
    large_admin = _list_queries(admin_api, 100)
    assert small[0] == 3 and large[0] == 28
    assert small[1] == large[1] == 2  # count, page (its samples ride in it)
    assert small_admin[1] == large_admin[1]


# --- Get Voice by ID ----------------------------------------------------------------------------
def test_anyone_gets_a_published_voice_by_id(anon, client_for, user, admin_api, make_voice):
    voice = make_voice("Rachel")
    for client in (anon, client_for(user), admin_api):
        response = client.get(f"{URL}/{voice.pk}")
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["id"] == str(voice.pk) and data["name"] == "Rachel"
        assert data["samples"][0].startswith(object_storage.object_url("voice-samples/"))


def test_unpublished_voice_is_404_for_anonymous_and_users_but_shown_to_admins(
    anon, client_for, user, admin_api, make_voice
):
    voice = make_voice("Draft", is_published=False)
    for client in (anon, client_for(user)):
        response = client.get(f"{URL}/{voice.pk}")
        assert response.status_code == 404
        assert response.json() == {
            "success": False,
            "error": {"code": "VOICE_NOT_FOUND", "message": f"Voice with ID '{voice.pk}' not found."},
        }
    assert admin_api.get(f"{URL}/{voice.pk}").status_code == 200


# A fixed id: every xdist worker must collect the same tests.
@pytest.mark.parametrize("voice_id", ["3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b", "not-a-uuid", "1"])
def test_unknown_ids_are_voice_not_found(anon, voice_id):
    response = anon.get(f"{URL}/{voice_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "VOICE_NOT_FOUND"


# --- Insert a New Voice ----------------------------------------------------------------------------
def test_admin_creates_a_voice_from_sample_urls(admin_api, admin_user, stored_sample):
    url = stored_sample()
    response = admin_api.post(
        URL,
        {
            "name": "Daniel",
            "voiceCharacteristic": "Male",
            "orderNumber": 3,
            "isPublished": False,
            "samples": [url],
            "createdBy": {"userId": "spoofed", "userName": "Mallory"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert set(data) == ENTITY_KEYS
    assert data["samples"] == [url]
    assert data["voiceIsAI"] is True and data["isPublished"] is False
    identity = {"userId": str(admin_user.pk), "userName": "Staff Person"}
    assert data["createdBy"] == identity and data["updatedBy"] == identity
    voice = Voice.objects.get(pk=data["id"])
    assert voice.samples.get().key == object_storage.key_from_object_url(url)


def test_is_published_defaults_to_false(admin_api, stored_sample):
    response = admin_api.post(
        URL,
        {"name": "Quiet", "voiceCharacteristic": "Accent", "orderNumber": 1, "samples": [stored_sample()]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["data"]["isPublished"] is False


def test_create_needs_credentials_and_admin(anon, client_for, user, stored_sample):
    payload = {"name": "Daniel", "voiceCharacteristic": "Male", "orderNumber": 3, "samples": [stored_sample()]}
    response = anon.post(URL, payload, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    response = client_for(user).post(URL, payload, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert not Voice.objects.exists()


def test_validation_error_lists_each_field_as_documented(admin_api):
    response = admin_api.post(URL, {"voiceCharacteristic": "male", "orderNumber": 1, "samples": []}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["message"] == "Validation failed"
    assert error["fields"] == {
        "name": ["Name is required"],
        "voiceCharacteristic": ["voiceCharacteristic must be 'Male', 'Female', or 'Accent'"],
        "samples": ["At least one sample URL is required"],
    }


@pytest.mark.parametrize(
    "name, accepted",
    [
        ("Rachel (Updated)", True),
        ("Jean-Luc 2", True),
        ("Zoë", True),
        ("Al", True),
        ("A" * 100, True),
        ("A", False),
        ("A" * 101, False),
        ("<script>alert(1)</script>", False),
        ("Rachel_1", False),
        ("Rachel!", False),
        ("Tab\tName", False),
        ("Name; DROP", False),
        ("<b>Bold</b>", False),
    ],
)
def test_name_rules(admin_api, stored_sample, name, accepted):
    response = admin_api.post(
        URL,
        {"name": name, "voiceCharacteristic": "Female", "orderNumber": 1, "samples": [stored_sample()]},
        format="json",
    )
    assert (response.status_code == 201) is accepted, response.content
    if not accepted:
        assert list(response.json()["error"]["fields"]) == ["name"]


@pytest.mark.parametrize("value", ["male", "FEMALE", "Robot", "", "Ma", None, 3])
def test_voice_characteristic_is_case_sensitive_and_closed(admin_api, stored_sample, value):
    response = admin_api.post(
        URL,
        {"name": "Test", "voiceCharacteristic": value, "orderNumber": 1, "samples": [stored_sample()]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "voiceCharacteristic": ["voiceCharacteristic must be 'Male', 'Female', or 'Accent'"]
    }


@pytest.mark.parametrize("order", [-1, 1.5, "first", None])
def test_order_number_must_be_a_non_negative_whole_number(admin_api, stored_sample, order):
    response = admin_api.post(
        URL,
        {"name": "Test", "voiceCharacteristic": "Male", "orderNumber": order, "samples": [stored_sample()]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["orderNumber"]


def test_one_to_five_distinct_samples(admin_api, stored_sample):
    six = [stored_sample() for _ in range(6)]
    response = admin_api.post(
        URL, {"name": "Many", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": six}, format="json"
    )
    assert response.status_code == 400 and "samples" in response.json()["error"]["fields"]
    same = stored_sample()
    response = admin_api.post(
        URL, {"name": "Twice", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": [same, same]}, format="json"
    )
    assert response.status_code == 400 and "samples" in response.json()["error"]["fields"]
    response = admin_api.post(
        URL, {"name": "Five", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": six[:5]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["data"]["samples"] == six[:5]


def test_invalid_s3_urls_are_listed_and_never_fetched(admin_api, stored_sample, wav_bytes):
    good = stored_sample()
    missing = object_storage.object_url("voice-samples/0000000000000000.mp3")
    foreign = "https://invalid-bucket.s3.amazonaws.com/file.mp3"
    outside_prefix = stored_sample(prefix="submissions")
    not_mp3 = stored_sample(wav_bytes)
    traversal = object_storage.object_url("voice-samples/../secret.mp3")
    bad = [missing, foreign, outside_prefix, not_mp3, traversal, f"{good}?x=1"]
    response = admin_api.post(
        URL,
        {"name": "Daniel", "voiceCharacteristic": "Male", "orderNumber": 3, "samples": [good, *bad[:4]]},
        format="json",
    )
    assert response.status_code == 400
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": {
            "code": "INVALID_S3_URL",
            "message": "One or more S3 URLs are invalid or inaccessible",
            "invalidUrls": bad[:4],
        },
    }
    response = admin_api.post(
        URL, {"name": "Daniel", "voiceCharacteristic": "Male", "orderNumber": 3, "samples": bad[4:]}, format="json"
    )
    assert response.json()["error"]["invalidUrls"] == bad[4:]
    response = admin_api.put(f"{URL}/{uuid.uuid4()}", {"samples": [good]}, format="json")
    assert response.status_code == 404
    assert not Voice.objects.exists()


def test_a_sample_over_5_mb_in_storage_is_invalid(admin_api, stored_sample, mp3_bytes):
    oversized = stored_sample(mp3_bytes + b"\0" * (5 * 1024 * 1024))
    response = admin_api.post(
        URL, {"name": "Big", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": [oversized]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["invalidUrls"] == [oversized]


def test_malformed_bodies_never_500(admin_api):
    for body, content_type in [
        ("{not json", "application/json"),
        ("[]", "application/json"),
        ('"text"', "application/json"),
        ("x=1", "text/plain"),
    ]:
        response = admin_api.generic("POST", URL, body, content_type=content_type)
        assert response.status_code in (400, 415), (body, response.content)
        assert response.json()["success"] is False


# --- Update Voice ---------------------------------------------------------------------------------
def test_put_is_partial_and_sets_updated_by(admin_api, make_voice, make_user, client_for):
    voice = make_voice("Rachel", order_number=1)
    editor = make_user(email="john@example.com", display_name="John Doe", is_staff=True)
    response = client_for(editor).put(
        f"{URL}/{voice.pk}", {"name": "Rachel (Updated)", "orderNumber": 10}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["name"] == "Rachel (Updated)" and data["orderNumber"] == 10
    assert data["voiceCharacteristic"] == "Female" and data["isPublished"] is True
    assert data["updatedBy"] == {"userId": str(editor.pk), "userName": "John Doe"}
    assert data["createdBy"]["userName"] == "Staff Person"
    assert len(data["samples"]) == 1


def test_put_samples_replace_and_drop_unused_objects(admin_api, make_voice, stored_sample, settings):
    voice = make_voice("Rachel")
    old_key = voice.samples.get().key
    new_urls = [stored_sample(), stored_sample()]
    response = admin_api.put(f"{URL}/{voice.pk}", {"samples": new_urls}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["samples"] == new_urls
    assert list(VoiceSample.objects.filter(voice=voice).values_list("position", flat=True)) == [0, 1]
    from core.models import Job

    cleanup = Job.objects.get(kind="storage.cleanup")
    assert cleanup.payload["keys"] == [old_key] and not cleanup.payload.get("prefixes")


def test_put_validation_and_errors(admin_api, make_voice, anon, client_for, user):
    voice = make_voice("Rachel")
    assert admin_api.put(f"{URL}/{voice.pk}", {"name": "x"}, format="json").status_code == 400
    assert admin_api.put(f"{URL}/{voice.pk}", {"samples": []}, format="json").status_code == 400
    response = admin_api.put(f"{URL}/{uuid.uuid4()}", {"name": "Fine"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "VOICE_NOT_FOUND"
    assert anon.put(f"{URL}/{voice.pk}", {"name": "Nope"}, format="json").status_code == 401
    assert client_for(user).put(f"{URL}/{voice.pk}", {"name": "Nope"}, format="json").status_code == 403
    voice.refresh_from_db()
    assert voice.name == "Rachel"


# --- Delete Voice ---------------------------------------------------------------------------------
def test_delete_is_soft_and_reported(admin_api, make_voice, anon):
    voice = make_voice("Rachel")
    response = admin_api.delete(f"{URL}/{voice.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["message"] == "Voice deleted successfully"
    voice.refresh_from_db()
    assert voice.deleted_at is not None
    assert body["data"]["id"] == str(voice.pk) and body["data"]["deletedAt"]
    assert anon.get(f"{URL}/{voice.pk}").status_code == 404
    again = admin_api.delete(f"{URL}/{voice.pk}")
    assert again.status_code == 404 and again.json()["error"]["code"] == "VOICE_NOT_FOUND"
    assert admin_api.put(f"{URL}/{voice.pk}", {"name": "Back"}, format="json").status_code == 404


def test_delete_needs_admin(anon, client_for, user, make_voice):
    voice = make_voice("Rachel")
    assert anon.delete(f"{URL}/{voice.pk}").status_code == 401
    assert client_for(user).delete(f"{URL}/{voice.pk}").status_code == 403
    assert Voice.objects.alive().filter(pk=voice.pk).exists()


def test_delete_of_a_voice_in_use_is_409_with_the_count(admin_api, make_voice, user):
    voice = make_voice("Rachel")
    for _ in range(2):
        TtsSubmission.objects.create(user=user, voice=voice, text="hello")
    response = admin_api.delete(f"{URL}/{voice.pk}")
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": {
            "code": "VOICE_IN_USE",
            "message": "Cannot delete voice that is currently in use by existing audio generations.",
            "affectedGenerations": 2,
        },
    }
    assert Voice.objects.alive().filter(pk=voice.pk).exists()


def test_a_client_supplied_url_is_never_requested(admin_api, mp3_bytes):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    requested = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(len(mp3_bytes)))
            self.end_headers()
            self.wfile.write(mp3_bytes)

        do_HEAD = do_GET  # noqa: N815 - http.server's naming

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/voice-samples/rachel.mp3"
        response = admin_api.post(
            URL, {"name": "Rachel", "voiceCharacteristic": "Female", "orderNumber": 1, "samples": [url]}, format="json"
        )
    finally:
        server.shutdown()
    assert response.status_code == 400
    assert response.json()["error"]["invalidUrls"] == [url]
    assert requested == []


def test_a_multipart_put_without_is_published_leaves_it_published(admin_api, make_voice):
    voice = make_voice("Rachel", is_published=True)
    response = admin_api.put(f"{URL}/{voice.pk}", {"name": "Rachel Two"}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["isPublished"] is True
    voice.refresh_from_db()
    assert voice.is_published is True and voice.name == "Rachel Two"
    response = admin_api.put(f"{URL}/{voice.pk}", {"isPublished": "false"}, format="multipart")
    assert response.json()["data"]["isPublished"] is False


@pytest.mark.parametrize("body_format", ["json", "multipart"])
def test_an_empty_put_changes_nothing_not_even_updated_by(make_voice, make_user, client_for, body_format):
    voice = make_voice("Rachel")
    before = Voice.objects.filter(pk=voice.pk).values().get()
    editor = make_user(email="other-admin@example.com", display_name="Other Admin", is_staff=True)
    response = client_for(editor).put(f"{URL}/{voice.pk}", {}, format=body_format)
    assert response.status_code == 200, response.content
    assert response.json()["data"]["updatedBy"]["userName"] == "Staff Person"
    assert Voice.objects.filter(pk=voice.pk).values().get() == before


def test_names_sort_alike_in_the_api_and_the_admin_ignoring_case_and_accents(anon, admin_user, make_voice):
    from django.test import Client

    from .conftest import grant_curation

    for name in ["Zeta", "Épsilon", "alpha", "Ebert", "epsilon", "Beta", "Ångström", "anna"]:
        make_voice(name, order_number=1)
    api_order = names(anon.get(URL, {"size": 20}))
    assert api_order[:3] == ["alpha", "Ångström", "anna"]
    assert api_order[3:5] == ["Beta", "Ebert"] and set(api_order[5:7]) == {"epsilon", "Épsilon"}
    assert api_order[7] == "Zeta"
    browser = Client()
    browser.force_login(grant_curation(admin_user))
    changelist = browser.get("/admin/gallery/voice/")
    assert [voice.name for voice in changelist.context["cl"].result_list] == api_order
    by_name = browser.get("/admin/gallery/voice/", {"o": "1"})  # the Name column, ascending
    assert [voice.name for voice in by_name.context["cl"].result_list] == api_order
