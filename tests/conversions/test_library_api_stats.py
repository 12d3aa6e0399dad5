"""Statistics: GET /api/stats and /api/stats/projects, /api/stats/folders (ids in the body, on GET as
documented and on POST as the gateway shows), computed by aggregate queries."""

import json
import uuid
import pytest
from django.utils import timezone

from conversions.library import services as library_services
from conversions.models import Folder, Recording
from tests.conversions.library_helpers import create_folder, create_project

pytestmark = pytest.mark.django_db

ANNA = uuid.UUID("11111111-1111-1111-1111-111111111111")
BORIS = uuid.UUID("22222222-2222-2222-2222-222222222222")


def _months_ago(months: int):
    now = timezone.now()
    index = now.year * 12 + now.month - 1 - months
    return now.replace(year=index // 12, month=index % 12 + 1, day=15)


def _conversion(user, folder_id, *, state="done", duration=0.0, model=ANNA, name="Anna", converted_at=None):
    parent = Folder.objects.get(pk=folder_id)
    original = Recording.objects.create(
        project_id=parent.project_id, parent_folder=parent, created_by=user, duration=duration, state="done"
    )
    conversion = library_services.create_converted_recording(original, created_by=user, model_id=model, model_name=name)
    Recording.objects.filter(pk=conversion.pk).update(
        state=state,
        duration=duration,
        converted_at=converted_at or (timezone.now() if state == "done" else None),
    )
    return conversion


@pytest.fixture
def history(user, project, folder, api):
    second_folder = create_folder(api, project["id"], name="Second")
    _conversion(user, folder["id"], duration=10.4)
    _conversion(user, folder["id"], duration=20.0, model=BORIS, name="Boris")
    _conversion(user, folder["id"], duration=30.0, converted_at=_months_ago(1))
    _conversion(user, second_folder["id"], duration=40.0, converted_at=_months_ago(3))
    _conversion(user, second_folder["id"], state="processing", duration=5.0)
    _conversion(user, second_folder["id"], state="error", duration=7.0, model=BORIS, name="Boris")
    return {"second_folder": second_folder}


def test_account_stats(api, history):
    body = api.get("/api/stats").json()
    assert body["conversions"] == {"total": 6, "completed": 4, "in_progress": 1, "failed": 1}
    assert body["time_converted"]["total"] == 100  # 10.4 + 20 + 30 + 40, whole seconds
    assert body["time_converted"]["current_month"] == 30
    months = body["time_converted"]["previous_monthes"]
    assert [m["duration"] for m in months] == [30.0, 40.0]
    assert months[0]["month"] == _months_ago(1).date().replace(day=1).isoformat()
    assert months[1]["month"] == _months_ago(3).date().replace(day=1).isoformat()
    models = {m["id"]: m for m in body["models"]}
    assert models[str(ANNA)] == {"id": str(ANNA), "name": "Anna", "conversions_count": 4, "converted_time": 80.4}
    assert models[str(BORIS)] == {"id": str(BORIS), "name": "Boris", "conversions_count": 2, "converted_time": 20.0}


def test_account_stats_are_the_callers_only(api, client_for, other_user, history):
    body = client_for(other_user).get("/api/stats").json()
    assert body == {
        "time_converted": {"total": 0, "current_month": 0, "previous_monthes": []},
        "conversions": {"total": 0, "completed": 0, "in_progress": 0, "failed": 0},
        "models": [],
    }


def test_project_stats_get_with_body_post_and_query(api, client_for, other_user, project, history):
    theirs = create_project(client_for(other_user), name="Theirs")
    payload = json.dumps({"project_ids": [project["id"], theirs["id"], str(uuid.uuid4())]})
    expected = [
        {
            "project_id": project["id"],
            "time_converted": {"total": 100, "current_month": 30},
            "conversions": {"total": 6, "completed": 4, "in_progress": 1, "failed": 1},
        }
    ]
    got = api.generic("GET", "/api/stats/projects", payload, content_type="application/json")
    assert got.status_code == 200 and got.json() == expected
    assert api.post("/api/stats/projects", payload, content_type="application/json").json() == expected
    assert api.get(f"/api/stats/projects?project_ids={project['id']}").json() == expected
    assert api.post("/api/stats/projects", {"project_ids": []}, format="json").json() == []


def test_folder_stats(api, folder, history):
    second = history["second_folder"]["id"]
    body = api.post("/api/stats/folders", {"folder_ids": [second, folder["id"]]}, format="json").json()
    assert body == [
        {"folder_id": second, "stats": {"total": 3, "completed": 1, "in_progress": 1, "failed": 1}},
        {"folder_id": folder["id"], "stats": {"total": 3, "completed": 3, "in_progress": 0, "failed": 0}},
    ]
    got = api.get(f"/api/stats/folders?folder_ids={folder['id']},{second}").json()
    assert [row["folder_id"] for row in got] == [folder["id"], second]


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/stats/projects", {}, "project_ids"),
        ("/api/stats/projects", {"project_ids": "abc"}, "project_ids"),
        ("/api/stats/projects", {"project_ids": ["nope"]}, "project_ids.0"),
        ("/api/stats/folders", {"folder_ids": [str(uuid.uuid4())] * 201}, "folder_ids"),
    ],
)
def test_bad_stats_bodies_are_422(api, path, body, field):
    response = api.post(path, body, format="json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", *field.split(".")]


def test_stats_run_a_constant_number_of_queries(api, user, folder, django_assert_max_num_queries):
    for index in range(3):
        _conversion(user, folder["id"], duration=1.0, converted_at=_months_ago(index))
    with django_assert_max_num_queries(6) as few:
        api.get("/api/stats")
    for index in range(20):
        _conversion(user, folder["id"], duration=1.0, model=uuid.uuid4(), converted_at=_months_ago(index % 5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get("/api/stats").json()
    assert body["conversions"]["total"] == 23
    with django_assert_max_num_queries(4):
        api.post("/api/stats/folders", {"folder_ids": [folder["id"]] * 5}, format="json")
    assert body["time_converted"]["current_month"] == 5


def test_get_without_ids_is_422(api):
    response = api.get("/api/stats/folders")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "folder_ids"]
