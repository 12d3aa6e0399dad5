"""Projects: list (limit, offset, sort, direction, owner), create (user or group owner), rename,
delete, by-url; scoped to the caller and their groups."""

import pytest

from conversions.models import Folder, Project
from tests.conversions.library_helpers import create_folder, create_project

pytestmark = pytest.mark.django_db

PROJECT_FIELDS = {"name", "slug", "owner", "url", "models", "id", "active", "created_at", "last_recording_at"}


def test_create_returns_the_documented_project(api, user):
    body = create_project(api, name="Radio Spot 2024", models={"m": {"p": "v"}})
    assert set(body) == PROJECT_FIELDS
    assert body["name"] == "Radio Spot 2024"
    assert body["slug"] == "radio-spot-2024"
    assert body["owner"] == str(user.id)
    assert body["url"] == "http://testserver/projects/radio-spot-2024"
    assert body["models"] == {} and body["active"] is True
    # Required by the gateway: the creation time until the project has a recording.
    assert body["last_recording_at"] == body["created_at"]
    project = Project.objects.get(pk=body["id"])
    assert project.owner_user == user and project.owner_team is None


def test_slugs_are_unique_and_kept_on_rename(api, client_for, other_user):
    first = create_project(api, name="Podcast")
    second = create_project(api, name="Podcast")
    third = create_project(client_for(other_user), name="Podcast")
    assert [first["slug"], second["slug"], third["slug"]] == ["podcast", "podcast-2", "podcast-3"]
    renamed = api.patch(f"/api/projects/{first['id']}", {"name": "Renamed"}, format="json").json()
    assert renamed["name"] == "Renamed" and renamed["slug"] == "podcast" and renamed["url"] == first["url"]


def test_a_group_can_own_a_project_and_its_members_see_it(api, user, other_user, make_user, client_for):
    from accounts.services import create_team

    team = create_team(name="Studio", owner=user)
    body = create_project(api, name="Team work", owner=str(team.id))
    assert body["owner"] == str(team.id)
    outsider = client_for(other_user)
    assert outsider.get(f"/api/projects/by-url?project_url={body['url']}").status_code == 404
    from accounts.models import Membership

    Membership.objects.create(team=team, user=other_user)
    assert outsider.get(f"/api/projects/by-url?project_url={body['url']}").json()["id"] == body["id"]
    listed = outsider.get("/api/projects").json()
    assert [p["id"] for p in listed["list"]] == [body["id"]]
    assert outsider.get(f"/api/projects?owner={team.id}").json()["pagination"]["count"] == 1
    assert outsider.get(f"/api/projects?owner={other_user.id}").json()["pagination"]["count"] == 0


def test_cannot_create_for_someone_elses_group_or_user(api, other_user):
    from accounts.services import create_team

    foreign_team = create_team(name="Theirs", owner=other_user)
    for owner in (foreign_team.id, other_user.id):
        response = api.post("/api/projects", {"name": "x", "owner": str(owner), "models": {}}, format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "You can only create projects for yourself or your groups"}
    assert Project.objects.count() == 0


def test_list_paginates_sorts_and_orders(api):
    for name in ("Beta", "alpha", "Gamma"):
        create_project(api, name=name)
    body = api.get("/api/projects?sort=name&direction=asc&limit=2").json()
    assert [p["name"] for p in body["list"]] == ["alpha", "Beta"]
    assert body["pagination"] == {"count": 3, "limit": 2, "offset": 0}
    names = [p["name"] for p in api.get("/api/projects?sort=name&direction=desc").json()["list"]]
    assert names == ["Gamma", "Beta", "alpha"]
    newest_first = [p["name"] for p in api.get("/api/projects").json()["list"]]
    assert newest_first == ["Gamma", "alpha", "Beta"]
    page_two = api.get("/api/projects?limit=2&offset=2&direction=asc&sort=created_at").json()
    assert [p["name"] for p in page_two["list"]] == ["Gamma"]
    assert page_two["pagination"] == {"count": 3, "limit": 2, "offset": 2}


def test_sort_by_last_recording_puts_projects_without_recordings_last(api):
    from django.utils import timezone

    quiet = create_project(api, name="Quiet")
    busy = create_project(api, name="Busy")
    Project.objects.filter(pk=busy["id"]).update(last_recording_at=timezone.now())
    for direction in ("asc", "desc"):
        ids = [p["id"] for p in api.get(f"/api/projects?sort=last_recording_at&direction={direction}").json()["list"]]
        assert ids == [busy["id"], quiet["id"]]


def test_other_users_projects_are_invisible(api, client_for, other_user):
    theirs = create_project(client_for(other_user), name="Private")
    assert api.get("/api/projects").json()["pagination"]["count"] == 0
    for method, kwargs in (("patch", {"data": {"name": "x"}, "format": "json"}), ("delete", {})):
        response = getattr(api, method)(f"/api/projects/{theirs['id']}", **kwargs)
        assert response.status_code == 404 and response.json() == {"detail": "Not found"}
    assert api.get(f"/api/projects/by-url?project_url={theirs['url']}").status_code == 404
    assert api.get(f"/api/projects/{theirs['id']}/export").status_code == 404
    assert Project.objects.get(pk=theirs["id"]).name == "Private"


def test_by_url_accepts_the_url_its_path_or_the_slug(api):
    body = create_project(api, name="Find me")
    for value in (body["url"], "/projects/find-me", "find-me", body["url"] + "/"):
        response = api.get("/api/projects/by-url", {"project_url": value})
        assert response.status_code == 200 and response.json()["id"] == body["id"], value
    assert api.get("/api/projects/by-url", {"project_url": "http://x/projects/nope"}).status_code == 404
    assert api.get("/api/projects/by-url", {"project_url": "../../etc/passwd"}).status_code == 404
    missing = api.get("/api/projects/by-url")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "project_url"]


def test_delete_returns_the_id_and_removes_folders(api, project):
    create_folder(api, project["id"])
    response = api.delete(f"/api/projects/{project['id']}")
    assert response.status_code == 200 and response.json() == {"id": project["id"]}
    assert not Project.objects.filter(pk=project["id"]).exists()
    assert not Folder.objects.exists()
    assert api.delete(f"/api/projects/{project['id']}").status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=-1", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("offset=-5", "offset"),
        ("sort=owner", "sort"),
        ("direction=up", "direction"),
        ("owner=not-a-uuid", "owner"),
    ],
)
def test_bad_list_parameters_are_422(api, query, field):
    response = api.get(f"/api/projects?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 41}, "name"),
        ({"name": 12}, None),
        ({"name": "ok", "owner": "nope"}, "owner"),
        ({"name": "ok", "models": []}, "models"),
    ],
)
def test_bad_create_bodies_are_422(api, body, field):
    response = api.post("/api/projects", body, format="json")
    if field is None:
        # A number is accepted as its text, as the gateway's pydantic model does.
        assert response.status_code == 200
        return
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]


def test_malformed_json_and_unauthenticated(api, anon, project):
    response = api.generic("POST", "/api/projects", "{not json", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
    assert anon.get("/api/projects").status_code == 401
    assert anon.get("/api/projects").json() == {"detail": "Not authenticated"}
    assert api.patch(f"/api/projects/{project['id']}", "[]", content_type="application/json").status_code == 422
    assert api.get("/api/projects/not-a-uuid").status_code == 404


def test_huge_body_is_413(api):
    response = api.post("/api/projects", {"name": "x", "models": {"m": {"p": "v" * 3_000_000}}}, format="json")
    assert response.status_code == 413
    assert set(response.json()) == {"detail"} and "The request body may be at most" in response.json()["detail"]


def test_api_key_and_session_authentication(user, project):
    from rest_framework.test import APIClient

    from accounts.services import create_api_key

    _, key = create_api_key(user)
    assert APIClient().get("/api/projects", HTTP_API_KEY=key).json()["pagination"]["count"] == 1

    session = APIClient(enforce_csrf_checks=True)
    token = session.post(
        "/api/login", {"email": user.email, "password": "correct horse battery staple"}, format="json"
    ).json()["csrf_token"]
    assert session.get("/api/projects").json()["pagination"]["count"] == 1
    assert session.post("/api/projects", {"name": "No token", "models": {}}, format="json").status_code == 403
    created = session.post(
        "/api/projects", {"name": "With token", "models": {}}, format="json", HTTP_X_CSRF_TOKEN=token
    )
    assert created.status_code == 200 and created.json()["owner"] == str(user.id)


def test_list_runs_a_constant_number_of_queries(api, django_assert_max_num_queries):
    for index in range(12):
        create_project(api, name=f"P{index}")
    for limit in (2, 12):
        with django_assert_max_num_queries(6):
            assert len(api.get(f"/api/projects?limit={limit}").json()["list"]) == limit


def test_put_of_the_gateway_accepts_models_and_changes_nothing(api, project, client_for, other_user):
    url = f"/api/projects/{project['id']}"
    response = api.put(url, {"models": {"m": {"p": "v"}}}, format="json")
    assert response.status_code == 200 and response.json() == project
    assert api.get(url).json() == project
    assert api.put(url, {}, format="json").status_code == 422
    assert client_for(other_user).put(url, {"models": {}}, format="json").status_code == 404


@pytest.mark.django_db
def test_one_project_is_open_to_exactly_whom_the_project_list_shows_it(user, other_user, make_user):
    """selectors.get_project checks access on the row; the list filters in SQL: the same rule."""
    from accounts.models import Membership
    from accounts.services import create_team
    from conversions.library import selectors, services
    from core.errors import DomainError

    member, stranger = make_user(), make_user()
    team = create_team(name="Studio", owner=other_user)
    Membership.objects.create(team=team, user=member)
    own = services.create_project(user, name="Own")
    teams = services.create_project(other_user, name="Team's", owner_id=team.pk)
    for caller in (user, other_user, member, stranger):
        for project in (own, teams):
            listed = selectors.accessible_projects(caller).filter(pk=project.pk).exists()
            try:
                opened = selectors.get_project(caller, project.pk) == project
            except DomainError:
                opened = False
            assert opened == listed, (caller.email, project.name)
    assert selectors.accessible_projects(member).filter(pk=teams.pk).exists()
    assert not selectors.accessible_projects(stranger).filter(pk=teams.pk).exists()
