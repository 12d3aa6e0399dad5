"""Folders: list by project (limit default 50, offset, direction), create (optionally nested), rename,
get, delete (with sub-folders and their recordings)."""

import pytest

from conversions.models import Folder
from tests.conversions.library_helpers import create_folder, create_project

pytestmark = pytest.mark.django_db

FOLDER_FIELDS = {"name", "project_id", "parent_id", "id", "active", "created_at"}


def test_create_get_rename(api, project):
    body = create_folder(api, project["id"], name="Session 1")
    assert set(body) == FOLDER_FIELDS
    assert body["project_id"] == project["id"] and body["parent_id"] is None and body["active"] is True
    assert api.get(f"/api/folders/{body['id']}").json() == body
    renamed = api.patch(f"/api/folders/{body['id']}", {"name": "Session A"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Session A"
    assert Folder.objects.get(pk=body["id"]).name == "Session A"
    # The gateway's FolderUpdate has no required field: an empty PATCH changes nothing.
    unchanged = api.patch(f"/api/folders/{body['id']}", {}, format="json")
    assert unchanged.status_code == 200 and unchanged.json() == renamed.json()
    assert api.patch(f"/api/folders/{body['id']}", {"name": "x" * 41}, format="json").status_code == 422


def test_nesting_with_parent_id(api, project):
    parent = create_folder(api, project["id"], name="Parent")
    child = create_folder(api, project["id"], name="Child", parent_id=parent["id"])
    assert child["parent_id"] == parent["id"]
    other_project = create_project(api, name="Other")
    response = api.post(
        "/api/folders", {"name": "x", "project_id": other_project["id"], "parent_id": parent["id"]}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "parent_id"]


def test_list_defaults_and_direction(api, project):
    names = [create_folder(api, project["id"], name=f"F{i}")["name"] for i in range(3)]
    body = api.get(f"/api/folders?project_id={project['id']}").json()
    assert body["pagination"] == {"count": 3, "limit": 50, "offset": 0}
    assert [f["name"] for f in body["list"]] == list(reversed(names))
    asc = api.get(f"/api/folders?project_id={project['id']}&direction=asc&limit=2&offset=1").json()
    assert [f["name"] for f in asc["list"]] == names[1:3]


def test_delete_removes_the_tree_and_answers_the_ids(api, project):
    top = create_folder(api, project["id"], name="Top")
    middle = create_folder(api, project["id"], name="Middle", parent_id=top["id"])
    leaf = create_folder(api, project["id"], name="Leaf", parent_id=middle["id"])
    keep = create_folder(api, project["id"], name="Keep")
    response = api.delete(f"/api/folders/{top['id']}")
    assert response.status_code == 200
    assert sorted(item["id"] for item in response.json()) == sorted([top["id"], middle["id"], leaf["id"]])
    assert list(Folder.objects.values_list("name", flat=True)) == ["Keep"]
    assert api.get(f"/api/folders/{keep['id']}").status_code == 200
    assert api.delete(f"/api/folders/{top['id']}").status_code == 404


def test_foreign_folders_and_projects_are_404(api, client_for, other_user):
    other = client_for(other_user)
    their_project = create_project(other, name="Theirs")
    their_folder = create_folder(other, their_project["id"])
    assert api.get(f"/api/folders?project_id={their_project['id']}").status_code == 404
    assert api.get(f"/api/folders/{their_folder['id']}").json() == {"detail": "Not found"}
    assert api.patch(f"/api/folders/{their_folder['id']}", {"name": "x"}, format="json").status_code == 404
    assert api.delete(f"/api/folders/{their_folder['id']}").status_code == 404
    created = api.post("/api/folders", {"name": "x", "project_id": their_project["id"]}, format="json")
    assert created.status_code == 404
    mine = create_project(api, name="Mine")
    nested = api.post(
        "/api/folders", {"name": "x", "project_id": mine["id"], "parent_id": their_folder["id"]}, format="json"
    )
    assert nested.status_code == 404
    assert Folder.objects.filter(project_id=mine["id"]).count() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"project_id": None}, "project_id"),
        ({"name": "x"}, "project_id"),
        ({"name": "x", "project_id": "zz"}, "project_id"),
        ({"name": "", "project_id": "00000000-0000-0000-0000-000000000001"}, "name"),
        ({"name": "x" * 41, "project_id": "00000000-0000-0000-0000-000000000001"}, "name"),
    ],
)
def test_bad_create_bodies_are_422(api, body, field):
    response = api.post("/api/folders", body, format="json")
    assert response.status_code == 422
    assert ["body", field] in [item["loc"] for item in response.json()["detail"]]


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "project_id"),
        ("project_id=nope", "project_id"),
        ("limit=201", "limit"),
        ("limit=-1", "limit"),
        ("direction=sideways", "direction"),
    ],
)
def test_bad_list_parameters_are_422(api, project, query, field):
    if field != "project_id":
        query = f"project_id={project['id']}&{query}"
    response = api.get(f"/api/folders?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_list_runs_a_constant_number_of_queries(api, project, django_assert_max_num_queries):
    for index in range(10):
        create_folder(api, project["id"], name=f"F{index}")
    for limit in (2, 10):
        with django_assert_max_num_queries(6):
            assert len(api.get(f"/api/folders?project_id={project['id']}&limit={limit}").json()["list"]) == limit
