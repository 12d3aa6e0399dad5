"""Exports: GET /api/projects/{id}/export and GET /api/recordings/export stream application/zip
with a Content-Disposition filename; starred_only filters; stored bytes come out unchanged."""

import io
import subprocess
import zipfile

import pytest

from conversions.library import services as library_services
from conversions.models import Folder, Recording
from tests.conversions.library_helpers import create_folder

pytestmark = pytest.mark.django_db


def _done_original(user, folder_id, path, label):
    folder = Folder.objects.get(pk=folder_id)
    recording = Recording.objects.create(
        project_id=folder.project_id, parent_folder=folder, created_by=user, label=label, file_name=path.name
    )
    return library_services.complete_recording(recording.pk, path)


def _done_conversion(user, original, path, label, starred=False):
    conversion = library_services.create_converted_recording(original, created_by=user, label=label, model_name="Anna")
    done = library_services.complete_recording(conversion.pk, path)
    Recording.objects.filter(pk=done.pk).update(starred=starred)
    return done


def _archive(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.streaming
    data = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive, data


def test_project_export_streams_every_done_recording_in_folders(api, user, project, folder, library_media, tmp_path):
    nested = create_folder(api, project["id"], name="Nested/Takes", parent_id=folder["id"])
    first = _done_original(user, folder["id"], library_media["wav"], "Line one")
    _done_original(user, nested["id"], library_media["mp3"], "Line two")
    _done_conversion(user, first, library_media["flac"], "As Anna", starred=True)
    library_services.create_converted_recording(first, created_by=user, label="Still running")

    response = api.get(f"/api/projects/{project['id']}/export")
    assert response["Content-Disposition"] == (
        "attachment; filename=\"my-project.zip\"; filename*=UTF-8''my-project.zip"
    )
    archive, data = _archive(response)
    assert sorted(archive.namelist()) == [
        "Takes/Line one.wav",
        "Takes/Line one/As Anna.flac",
        "Takes/Nested_Takes/Line two.mp3",
    ]
    assert archive.read("Takes/Line one.wav") == library_media["wav"].read_bytes()
    assert archive.read("Takes/Nested_Takes/Line two.mp3") == library_media["mp3"].read_bytes()
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    # Info-ZIP's unzip reads it too (data descriptors, no seeking).
    target = tmp_path / "export.zip"
    target.write_bytes(data)
    assert subprocess.run(["unzip", "-tq", str(target)], capture_output=True, timeout=60).returncode == 0

    starred, _ = _archive(api.get(f"/api/projects/{project['id']}/export?starred_only=true"))
    assert starred.namelist() == ["Takes/Line one/As Anna.flac"]


def test_recording_export_has_the_conversions_of_an_original(api, user, folder, library_media):
    original = _done_original(user, folder["id"], library_media["wav"], "Take")
    _done_conversion(user, original, library_media["ogg"], "Warm", starred=True)
    _done_conversion(user, original, library_media["ogg"], "Warm")
    _done_conversion(user, original, library_media["mp3"], "Bright")
    response = api.get(f"/api/recordings/export?original_id={original.pk}")
    assert 'filename="Take-conversions.zip"' in response["Content-Disposition"]
    archive, _ = _archive(response)
    assert sorted(archive.namelist()) == ["Bright.mp3", "Warm (2).ogg", "Warm.ogg"]
    assert archive.read("Warm.ogg") == library_media["ogg"].read_bytes()
    starred, _ = _archive(api.get(f"/api/recordings/export?original_id={original.pk}&starred_only=true"))
    assert starred.namelist() == ["Warm.ogg"]


def test_export_of_an_empty_project_is_an_empty_zip(api, project):
    archive, _ = _archive(api.get(f"/api/projects/{project['id']}/export"))
    assert archive.namelist() == []


def test_export_access_and_bad_input(api, user, client_for, other_user, folder, library_media):
    original = _done_original(user, folder["id"], library_media["wav"], "Take")
    other = client_for(other_user)
    assert other.get(f"/api/recordings/export?original_id={original.pk}").status_code == 404
    assert other.get(f"/api/projects/{original.project_id}/export").json() == {"detail": "Not found"}
    bad = api.get("/api/recordings/export?original_id=nope")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "original_id"]
    assert api.get("/api/recordings/export").status_code == 422
    flag = api.get(f"/api/projects/{original.project_id}/export?starred_only=maybe")
    assert flag.status_code == 422 and flag.json()["detail"][0]["loc"] == ["query", "starred_only"]
    conversion = _done_conversion(user, original, library_media["wav"], "C")
    assert api.get(f"/api/recordings/export?original_id={conversion.pk}").status_code == 404
