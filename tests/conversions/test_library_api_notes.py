"""Notes: one per recording, POST/PUT/DELETE /api/notes with recording_id in the body, shown on the recording."""

import pytest

from conversions.models import Folder, Note, Recording
from tests.conversions.library_helpers import create_folder, create_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def recording(user, folder):
    parent = Folder.objects.get(pk=folder["id"])
    return Recording.objects.create(project_id=parent.project_id, parent_folder=parent, created_by=user)


def test_note_lifecycle(api, recording, folder):
    created = api.post("/api/notes", {"recording_id": str(recording.pk), "text": "Breath at 0:03"}, format="json")
    assert created.status_code == 200
    body = created.json()
    assert set(body) == {"recording_id", "text", "id", "active"}
    assert body["recording_id"] == str(recording.pk) and body["text"] == "Breath at 0:03" and body["active"] is True
    shown = api.get(f"/api/recordings/{recording.pk}").json()["note"]
    assert shown == {"id": body["id"], "text": "Breath at 0:03", "active": True}
    assert api.get(f"/api/notes?folder_id={folder['id']}").json() == [body]

    again = api.post("/api/notes", {"recording_id": str(recording.pk), "text": "second"}, format="json")
    assert again.status_code == 409 and "already has a note" in again.json()["detail"]

    updated = api.put("/api/notes", {"recording_id": str(recording.pk), "text": "Retake line 2"}, format="json")
    assert updated.status_code == 200 and updated.json()["text"] == "Retake line 2"
    assert updated.json()["id"] == body["id"]

    deleted = api.delete("/api/notes", {"recording_id": str(recording.pk)}, format="json")
    assert deleted.status_code == 200
    assert deleted.json() == {
        "recording_id": str(recording.pk),
        "text": "Retake line 2",
        "id": body["id"],
        "active": False,
    }
    assert not Note.objects.exists()
    assert api.get(f"/api/recordings/{recording.pk}").json()["note"] is None
    assert api.put("/api/notes", {"recording_id": str(recording.pk), "text": "x"}, format="json").status_code == 404
    assert api.delete("/api/notes", {"recording_id": str(recording.pk)}, format="json").json() == {
        "detail": "The recording has no note"
    }


def test_notes_on_foreign_recordings_are_404(api, client_for, other_user, make_user):
    other = client_for(other_user)
    their_folder = create_folder(other, create_project(other)["id"])
    theirs = Recording.objects.create(project_id=their_folder["project_id"], parent_folder_id=their_folder["id"])
    Note.objects.create(recording=theirs, text="private")
    for method in ("post", "put"):
        response = getattr(api, method)("/api/notes", {"recording_id": str(theirs.pk), "text": "x"}, format="json")
        assert response.status_code == 404 and response.json() == {"detail": "Not found"}
    assert api.delete("/api/notes", {"recording_id": str(theirs.pk)}, format="json").status_code == 404
    assert api.get(f"/api/notes?folder_id={their_folder['id']}").status_code == 404
    assert Note.objects.get(recording=theirs).text == "private"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "recording_id"),
        ({"recording_id": "x", "text": "t"}, "recording_id"),
        ({"recording_id": "00000000-0000-0000-0000-000000000001"}, "text"),
        ({"recording_id": "00000000-0000-0000-0000-000000000001", "text": "x" * 2001}, "text"),
        ({"recording_id": "00000000-0000-0000-0000-000000000001", "text": {"a": 1}}, "text"),
    ],
)
def test_bad_bodies_are_422(api, body, field):
    for method in ("post", "put"):
        response = getattr(api, method)("/api/notes", body, format="json")
        assert response.status_code == 422
        assert ["body", field] in [item["loc"] for item in response.json()["detail"]]
    assert api.delete("/api/notes", {"recording_id": "nope"}, format="json").status_code == 422
    assert api.get("/api/notes").status_code == 422


def test_unknown_recording_is_404(api):
    response = api.post(
        "/api/notes", {"recording_id": "00000000-0000-0000-0000-000000000001", "text": "t"}, format="json"
    )
    assert response.status_code == 404


def test_note_list_runs_a_constant_number_of_queries(api, user, folder, django_assert_max_num_queries):
    parent = Folder.objects.get(pk=folder["id"])
    for count in (2, 12):
        while Note.objects.count() < count:
            recording = Recording.objects.create(project_id=parent.project_id, parent_folder=parent, created_by=user)
            Note.objects.create(recording=recording, text="take")
        with django_assert_max_num_queries(5):
            assert len(api.get(f"/api/notes?folder_id={folder['id']}").json()) == count
