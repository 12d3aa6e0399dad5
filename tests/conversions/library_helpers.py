"""Helpers of the studio library tests (their fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from conversions.models import Recording
from tests.conftest import wait_until


def upload_file(path: Path, name: str | None = None, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name or path.name, Path(path).read_bytes(), content_type=content_type)


def create_project(client, name="My project", **extra):
    response = client.post("/api/projects", {"name": name, "models": {}, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def create_folder(client, project_id, name="Takes", **extra):
    response = client.post("/api/folders", {"name": name, "project_id": project_id, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def upload_recording(client, folder_id, path: Path, *, label="Take one", microphone="file", name=None):
    with open(path, "rb") as handle:
        data = {
            "data": SimpleUploadedFile(name or Path(path).name, handle.read()),
            "parent_folder_id": folder_id,
            "microphone": microphone,
        }
        if label is not None:
            data["label"] = label
        return client.post("/api/recordings", data, format="multipart")


def wait_for_state(recording_id, states=("done", "error"), timeout=90):
    return wait_until(
        lambda: Recording.objects.filter(pk=recording_id, state__in=states).first(),
        timeout=timeout,
        message=f"recording {recording_id} to reach {states}",
    )
