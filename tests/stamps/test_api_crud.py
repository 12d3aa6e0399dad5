"""Core CRUD: /api/v1/voicestamps and /api/v1/voicestamps/{id}, as the spec documents them."""

import pytest

from core.storage import object_storage
from stamps.models import Stamp, StampFile
from tests.stamps.conftest import upload_audio, upload_image

pytestmark = pytest.mark.django_db

VSTFILE_FIELDS = {
    "id",
    "user_id",
    "voice_note_id",
    "title",
    "description",
    "draft_image_path",
    "thumbnail_path",
    "draft_audio_path",
    "vst_file_path",
    "file_size_bytes",
    "conversion_status",
    "aws_s3_bucket",
    "aws_s3_key",
    "manifest_s3_key",
    "package_s3_key",
    "metadata",
    "voice_tags",
    "created_at",
    "updated_at",
}


def test_create_returns_the_vstfile_structure(api, user):
    response = api.post(
        "/api/v1/voicestamps",
        {
            "title": "Trip",
            "description": "Beach day",
            "voice_tags": [{"timestamp": 5.2, "x": 120, "y": 80, "note": "Important point here"}],
            "metadata": {"location": "Cadiz"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert set(data) == VSTFILE_FIELDS
    assert isinstance(data["id"], int)
    assert data["user_id"] == str(user.pk)
    assert data["conversion_status"] == "draft"
    assert data["file_size_bytes"] == 0
    assert data["voice_tags"] == [{"timestamp": 5.2, "x": 120.0, "y": 80.0, "note": "Important point here"}]
    assert data["metadata"] == {"location": "Cadiz"}
    assert data["aws_s3_bucket"] is None and data["draft_audio_path"] is None
    assert Stamp.objects.get(pk=data["id"]).owner == user


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"title": 5, "metadata": "nope"}, "metadata"),
        ({"title": "t", "metadata": [1, 2]}, "metadata"),
        ({"title": "t", "voice_tags": "not a list"}, "voice_tags"),
        ({"title": "t", "voice_tags": [{"x": 1, "y": 2}]}, "voice_tags.0.timestamp"),
        ({"title": "t", "voice_tags": [{"timestamp": -1}]}, "voice_tags.0.timestamp"),
        ({"title": "t", "voice_tags": [{"timestamp": "soon"}]}, "voice_tags.0.timestamp"),
        ({"title": "t", "voice_tags": [{"timestamp": 1, "x": 5}]}, "voice_tags.0.x"),
        ({"title": "t", "voice_tags": [{"timestamp": 1, "note": "n" * 1001}]}, "voice_tags.0.note"),
    ],
)
def test_create_validation_is_422_per_field(api, body, field):
    response = api.post("/api/v1/voicestamps", body, format="json")
    assert response.status_code == 422, response.content
    payload = response.json()
    assert payload["error"] == "validation_failed"
    assert payload["message"] == "The given data was invalid"
    assert field in payload["errors"], payload
    assert Stamp.objects.count() == 0


def test_title_required_message_matches_the_spec_shape(api):
    response = api.post("/api/v1/voicestamps", {"description": "no title"}, format="json")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["title"]


def test_bad_bodies_never_500(api, settings):
    malformed = api.post("/api/v1/voicestamps", data="{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["error"] == "bad_request"
    too_many_tags = api.post(
        "/api/v1/voicestamps", {"title": "t", "voice_tags": [{"timestamp": 1}] * 501}, format="json"
    )
    assert too_many_tags.status_code == 422 and "voice_tags" in too_many_tags.json()["errors"]
    huge_metadata = api.post("/api/v1/voicestamps", {"title": "t", "metadata": {"blob": "x" * 70_000}}, format="json")
    assert huge_metadata.status_code == 422 and "metadata" in huge_metadata.json()["errors"]
    huge = api.post(
        "/api/v1/voicestamps", data='{"title": "' + "x" * (3 * 1024 * 1024) + '"}', content_type="application/json"
    )
    assert huge.status_code == 413 and huge.json()["error"] == "payload_too_large"
    assert Stamp.objects.count() == 0


def test_authentication_is_required_everywhere(anon, stamp):
    for method, path in [
        ("get", "/api/v1/voicestamps"),
        ("post", "/api/v1/voicestamps"),
        ("get", f"/api/v1/voicestamps/{stamp.pk}"),
        ("delete", f"/api/v1/voicestamps/{stamp.pk}"),
    ]:
        response = getattr(anon, method)(path)
        assert response.status_code == 401, path
        assert response.json() == {"error": "invalid_token", "message": "The provided token is invalid or expired"}
    bad = anon.get("/api/v1/voicestamps", HTTP_AUTHORIZATION="Bearer not.a.token")
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_token"


def test_list_is_paginated_filtered_and_only_mine(api, make_stamp, other_user, django_assert_max_num_queries):
    for index in range(5):
        make_stamp(title=f"Stamp {index}", voice_tags=[{"timestamp": 1, "note": f"note-{index}"}])
    make_stamp(owner=other_user, title="Not yours")
    Stamp.objects.filter(title="Stamp 0").update(conversion_status="completed")

    with django_assert_max_num_queries(6):
        page = api.get("/api/v1/voicestamps?page=1&limit=2")
    assert page.status_code == 200
    body = page.json()
    assert body["success"] is True
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 5, "pages": 3}
    assert [item["title"] for item in body["data"]] == ["Stamp 4", "Stamp 3"]
    with django_assert_max_num_queries(6):
        everything = api.get("/api/v1/voicestamps?limit=50")
    assert len(everything.json()["data"]) == 5
    assert "Not yours" not in {item["title"] for item in everything.json()["data"]}

    completed = api.get("/api/v1/voicestamps?status=completed").json()
    assert [item["title"] for item in completed["data"]] == ["Stamp 0"]
    by_note = api.get("/api/v1/voicestamps?search=NOTE-3").json()
    assert [item["title"] for item in by_note["data"]] == ["Stamp 3"]
    by_title = api.get("/api/v1/voicestamps?search=stamp 1").json()
    assert [item["title"] for item in by_title["data"]] == ["Stamp 1"]


def test_list_query_count_is_constant_with_files(api, make_stamp, stamp_media, django_assert_max_num_queries):
    for index in range(3):
        created = make_stamp(title=f"S{index}")
        assert upload_audio(api, created.pk, stamp_media["mp3"]).status_code == 201
        assert upload_image(api, created.pk).status_code == 201
    with django_assert_max_num_queries(6):
        small = api.get("/api/v1/voicestamps?limit=1")
    with django_assert_max_num_queries(6):
        large = api.get("/api/v1/voicestamps?limit=100")
    assert len(small.json()["data"]) == 1 and len(large.json()["data"]) == 3
    assert all(item["draft_audio_path"] and item["draft_image_path"] for item in large.json()["data"])


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=0", "page"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=101", "limit"),
        ("status=archived", "status"),
    ],
)
def test_list_bad_query_is_422(api, query, field):
    response = api.get(f"/api/v1/voicestamps?{query}")
    assert response.status_code == 422 and field in response.json()["errors"]


def test_get_with_manifest_and_sharing(api, stamp):
    plain = api.get(f"/api/v1/voicestamps/{stamp.pk}")
    assert plain.status_code == 200
    assert set(plain.json()) == {"success", "data"}
    assert set(plain.json()["data"]) == VSTFILE_FIELDS
    full = api.get(f"/api/v1/voicestamps/{stamp.pk}?include_manifest=true&include_sharing=1").json()
    assert full["manifest"]["stamp"]["id"] == stamp.pk
    assert full["manifest"]["format"] == "vst"
    assert full["shares"] == []
    bad = api.get(f"/api/v1/voicestamps/{stamp.pk}?include_manifest=maybe")
    assert bad.status_code == 422 and "include_manifest" in bad.json()["errors"]


@pytest.mark.parametrize("suffix", ["", "/transcribe"])
def test_another_users_stamp_is_not_found(api, make_stamp, other_user, suffix):
    theirs = make_stamp(owner=other_user, title="Theirs")
    for path in [
        f"/api/v1/voicestamps/{theirs.pk}{suffix}",
        f"/api/v1/voicestamps/99999999{suffix}",
        f"/api/v1/voicestamps/abc{suffix}",
        f"/api/v1/voicestamps/99999999999999999999999{suffix}",
    ]:
        response = api.get(path) if not suffix else api.post(path, {}, format="json")
        assert response.status_code == 404, path
        assert response.json() == {"error": "resource_not_found", "message": "VoiceStamp not found"}
    assert api.put(f"/api/v1/voicestamps/{theirs.pk}", {"title": "mine now"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/voicestamps/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"


def test_update_put_and_patch(api, stamp):
    response = api.put(f"/api/v1/voicestamps/{stamp.pk}", {"title": "Renamed", "metadata": {"a": 1}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["title"] == "Renamed"
    assert response.json()["data"]["description"] == "Testing the API workflow"
    patched = api.patch(
        f"/api/v1/voicestamps/{stamp.pk}",
        {"voice_tags": [{"timestamp": 1.5, "note": "hello"}], "description": None},
        format="json",
    )
    assert patched.status_code == 200
    stamp.refresh_from_db()
    assert stamp.voice_tags == [{"timestamp": 1.5, "note": "hello"}]
    assert stamp.description is None and stamp.metadata == {"a": 1}
    assert stamp.manifest_version == 3
    assert api.put(f"/api/v1/voicestamps/{stamp.pk}", {}, format="json").status_code == 422
    assert api.put(f"/api/v1/voicestamps/{stamp.pk}", {"title": ""}, format="json").status_code == 422


def test_voice_tags_are_bounded_by_the_measured_audio_and_image(api, stamp, stamp_media):
    assert upload_audio(api, stamp.pk, stamp_media["wav"]).status_code == 201  # 2.0 s
    assert upload_image(api, stamp.pk).status_code == 201  # 320 x 240
    late = api.put(f"/api/v1/voicestamps/{stamp.pk}", {"voice_tags": [{"timestamp": 2.5}]}, format="json")
    assert late.status_code == 422 and "voice_tags.0.timestamp" in late.json()["errors"]
    outside = api.put(
        f"/api/v1/voicestamps/{stamp.pk}", {"voice_tags": [{"timestamp": 1, "x": 321, "y": 10}]}, format="json"
    )
    assert outside.status_code == 422 and "voice_tags.0.x" in outside.json()["errors"]
    inside = api.put(
        f"/api/v1/voicestamps/{stamp.pk}",
        {"voice_tags": [{"timestamp": 1.9, "x": 320, "y": 240, "note": "edge"}]},
        format="json",
    )
    assert inside.status_code == 200


def test_delete_removes_the_stamp_and_every_stored_object(api, stamp, stamp_media, django_capture_on_commit_callbacks):
    assert upload_audio(api, stamp.pk, stamp_media["mp3"]).status_code == 201
    assert upload_image(api, stamp.pk).status_code == 201
    assert upload_image(api, stamp.pk).status_code == 201
    keys = list(StampFile.objects.filter(stamp=stamp).values_list("key", flat=True))
    assert len(keys) == 3
    assert sorted(keys) == object_storage.list(f"stamps/{stamp.pk}")

    # The cleanup job runs inline here; the worker variant is in test_api_package.py.
    from core.services import run_storage_cleanup
    from core.models import Job

    with django_capture_on_commit_callbacks(execute=False):
        response = api.delete(f"/api/v1/voicestamps/{stamp.pk}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "VoiceStamp deleted"}
    assert not Stamp.objects.filter(pk=stamp.pk).exists()
    assert not StampFile.objects.filter(key__in=keys).exists()
    cleanup = Job.objects.get(kind="storage.cleanup", subject=f"stamp:{stamp.pk}")
    assert sorted(cleanup.payload["keys"]) == sorted(keys)
    run_storage_cleanup(cleanup.pk)
    assert object_storage.list(f"stamps/{stamp.pk}") == []
    assert api.get(f"/api/v1/voicestamps/{stamp.pk}").status_code == 404
