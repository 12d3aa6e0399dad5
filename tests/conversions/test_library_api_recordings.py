"""Recordings: multipart upload checked by content, the waveform job through a real worker,
file serving with listen counts, GET/PATCH/PUT/DELETE, originals and conversions lists."""

import io

import pytest
from PIL import Image

from conversions.library import services as library_services
from conversions.models import Folder, Note, Recording
from core.models import Job
from core.storage import object_storage
from tests.conversions.library_helpers import create_folder, create_project, upload_recording, wait_for_state
from tests.conftest import wait_until

RECORDING_FIELDS = {
    "id",
    "project_id",
    "parent_folder_id",
    "type",
    "url",
    "waveform_url",
    "file_name",
    "label",
    "state",
    "original_id",
    "model_id",
    "model_name",
    "calibration_id",
    "calibration_value",
    "calibration_name",
    "microphone",
    "size",
    "duration",
    "starred",
    "tts",
    "tts_voice",
    "tts_voice_id",
    "text",
    "params",
    "error",
    "active",
    "created_at",
    "converted_at",
    "listen_count",
    "process_stage",
    "note",
}


def _original(user, folder_id, label="Take"):
    folder = Folder.objects.get(pk=folder_id)
    return Recording.objects.create(
        project_id=folder.project_id, parent_folder=folder, created_by=user, label=label, state=Recording.State.DONE
    )


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["wav", "ogg", "mp3", "flac"])
def test_upload_accepts_the_four_formats_by_content(api, user, folder, library_media, fmt):
    # Named .bin: the format comes from the content, not the name.
    response = upload_recording(api, folder["id"], library_media[fmt], name="upload.bin", label="Take one")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == RECORDING_FIELDS
    assert body["type"] == "original" and body["state"] == "processing" and body["tts"] is False
    assert body["label"] == "Take one" and body["microphone"] == "file" and body["file_name"] == f"upload.{fmt}"
    assert body["size"] == library_media[fmt].stat().st_size
    assert 1.0 < body["duration"] < 4.0
    assert body["url"] == f"/api/files/recordings/{body['id']}/audio" and body["waveform_url"] is None
    assert body["project_id"] == folder["project_id"] and body["parent_folder_id"] == folder["id"]
    recording = Recording.objects.get(pk=body["id"])
    with object_storage.open(recording.audio_key) as stored:
        assert stored.read() == library_media[fmt].read_bytes()
    assert recording.created_by == user and recording.job.kind == "conversions.recording"


@pytest.mark.django_db
@pytest.mark.parametrize("media, message", [("fake_wav", "not a readable audio file"), ("m4a", "not accepted")])
def test_upload_refuses_what_is_not_wav_ogg_mp3_or_flac(api, folder, library_media, local_storage, media, message):
    response = upload_recording(api, folder["id"], library_media[media])
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "data"] and message in detail["msg"]
    assert Recording.objects.count() == 0
    assert object_storage.list("conversions") == []


@pytest.mark.django_db
def test_upload_validation(api, folder, library_media, client_for, other_user):
    empty = api.post("/api/recordings", {"parent_folder_id": folder["id"], "microphone": "file"}, format="multipart")
    assert empty.status_code == 422 and ["body", "data"] in [d["loc"] for d in empty.json()["detail"]]
    bad_label = upload_recording(api, folder["id"], library_media["wav"], label="no/slashes!")
    assert bad_label.status_code == 422 and bad_label.json()["detail"][0]["loc"] == ["body", "label"]
    no_mic = api.post(
        "/api/recordings", {"data": io.BytesIO(b"x"), "parent_folder_id": folder["id"]}, format="multipart"
    )
    assert ["body", "microphone"] in [d["loc"] for d in no_mic.json()["detail"]]
    json_body = api.post("/api/recordings", {"parent_folder_id": folder["id"]}, format="json")
    assert json_body.status_code == 415 and "detail" in json_body.json()
    their_folder = create_folder(client_for(other_user), create_project(client_for(other_user))["id"])
    foreign = upload_recording(api, their_folder["id"], library_media["wav"])
    assert foreign.status_code == 404 and foreign.json() == {"detail": "Not found"}
    assert Recording.objects.count() == 0


@pytest.mark.django_db
def test_upload_over_the_size_limit_is_413(api, folder, library_media, local_storage, settings):
    settings.CONVERSIONS_RECORDING_MAX_BYTES = 1000
    response = upload_recording(api, folder["id"], library_media["wav"])
    assert response.status_code == 413 and "larger than 1000 bytes" in response.json()["detail"]
    assert Recording.objects.count() == 0 and object_storage.list("conversions") == []


@pytest.mark.django_db
def test_a_failed_database_write_leaves_no_stored_object(api, folder, library_media, local_storage, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(library_services, "_touch_project", broken)
    response = upload_recording(api, folder["id"], library_media["wav"])
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error", "request_id": response["X-Request-ID"]}
    assert Recording.objects.count() == 0
    assert object_storage.list("conversions") == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_waveform_job_runs_in_a_real_worker_and_files_are_served(api, user, folder, library_media, celery_worker):
    body = upload_recording(api, folder["id"], library_media["mp3"]).json()
    recording = wait_for_state(body["id"])
    assert recording.state == "done", recording.error
    # The job row is finished just after the task records its results (its own transaction).
    wait_until(
        lambda: Job.objects.filter(pk=recording.job_id, state=Job.State.SUCCEEDED).exists(),
        timeout=30,
        message="the recording's job to be finished",
    )
    got = api.get(f"/api/recordings/{body['id']}").json()
    assert got["state"] == "done" and got["process_stage"] == "done" and got["error"] == ""
    assert got["waveform_url"] == f"/api/files/recordings/{body['id']}/waveform.png"
    assert abs(got["duration"] - body["duration"]) < 0.2

    picture = api.get(got["waveform_url"])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(picture.streaming_content)))
    assert image.size == (1200, 160)
    # Speech draws bars: the image is not blank.
    assert image.getextrema()[3][1] == 255

    audio = api.get(got["url"])
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/mpeg"
    assert b"".join(audio.streaming_content) == library_media["mp3"].read_bytes()
    seek = api.get(got["url"], HTTP_RANGE="bytes=100-199")
    assert seek.status_code == 206 and len(b"".join(seek.streaming_content)) == 100
    assert api.get(got["url"], HTTP_RANGE="bytes=0-").status_code == 206
    assert api.head(got["url"]).status_code == 200
    assert api.get(f"/api/recordings/{body['id']}").json()["listen_count"] == 2
    assert Recording.objects.get(pk=body["id"]).listen_count == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_audio_that_cannot_be_decoded_ends_in_error_with_a_reason(api, folder, library_media, celery_worker):
    body = upload_recording(api, folder["id"], library_media["wav"]).json()
    recording = wait_for_state(body["id"], states=("done",))
    # The stored object is damaged after the upload was processed (storage corruption), then reprocessed.
    object_storage.delete(recording.audio_key)
    object_storage.put_bytes(recording.audio_key, b"RIFF\x00\x00garbage" * 10, "audio/wav")
    assert library_services.reprocess_recordings(Recording.objects.filter(pk=recording.pk)) == 1
    failed = wait_for_state(body["id"], states=("error",))
    assert failed.error == "The file is not a readable audio file." and failed.process_stage == "error"
    shown = api.get(f"/api/recordings/{body['id']}").json()
    assert shown["state"] == "error" and shown["error"] == failed.error


@pytest.mark.django_db
def test_files_of_other_users_are_404_and_missing_files_too(api, client_for, other_user, folder, library_media):
    body = upload_recording(api, folder["id"], library_media["wav"]).json()
    other = client_for(other_user)
    assert other.get(body["url"]).status_code == 404
    assert other.get(f"/api/files/recordings/{body['id']}/waveform.png").status_code == 404
    waveform = api.get(f"/api/files/recordings/{body['id']}/waveform.png")
    assert waveform.status_code == 404 and waveform.json() == {"detail": "The waveform is not ready yet"}
    assert Recording.objects.get(pk=body["id"]).listen_count == 0


@pytest.mark.django_db
def test_patch_put_and_delete(api, user, folder, library_media):
    body = upload_recording(api, folder["id"], library_media["wav"]).json()
    url = f"/api/recordings/{body['id']}"
    patched = api.patch(url, {"starred": True}, format="json").json()
    assert patched["starred"] is True and patched["label"] == "Take one"
    assert api.patch(url, {"label": "Better take"}, format="json").json()["label"] == "Better take"
    partial_put = api.put(url, {"label": "x"}, format="json")
    assert partial_put.status_code == 422 and partial_put.json()["detail"][0]["loc"] == ["body", "starred"]
    put = api.put(url, {"label": "Final", "starred": False}, format="json").json()
    assert (put["label"], put["starred"]) == ("Final", False)
    assert api.patch(url, {"starred": "yes"}, format="json").status_code == 422
    assert api.patch(url, {"label": "x" * 41}, format="json").status_code == 422
    # Only uploads restrict the characters (as the gateway's schemas do).
    assert api.patch(url, {"label": "Toma n.º 2 / final"}, format="json").json()["label"] == "Toma n.º 2 / final"

    conversion = library_services.create_converted_recording(Recording.objects.get(pk=body["id"]), created_by=user)
    keys = [Recording.objects.get(pk=body["id"]).audio_key]
    deleted = api.delete(url)
    assert deleted.status_code == 200
    assert sorted(item["id"] for item in deleted.json()) == sorted([body["id"], str(conversion.pk)])
    assert not Recording.objects.exists()
    cleanup = Job.objects.get(kind="storage.cleanup")
    assert set(keys) <= set(cleanup.payload["keys"])
    assert api.get(url).status_code == 404


@pytest.mark.django_db
def test_foreign_recordings_are_404(api, client_for, other_user, library_media):
    other = client_for(other_user)
    their_folder = create_folder(other, create_project(other)["id"])
    theirs = upload_recording(other, their_folder["id"], library_media["wav"]).json()
    url = f"/api/recordings/{theirs['id']}"
    assert api.get(url).json() == {"detail": "Not found"}
    assert api.patch(url, {"starred": True}, format="json").status_code == 404
    assert api.put(url, {"label": "x", "starred": True}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
    assert api.get(f"/api/recordings?folder_id={their_folder['id']}").status_code == 404
    assert api.get(f"/api/recordings/originals?folder_id={their_folder['id']}").status_code == 404
    assert api.get(f"/api/recordings/conversions?original_id={theirs['id']}").status_code == 404
    assert Recording.objects.get(pk=theirs["id"]).starred is False


@pytest.mark.django_db
def test_lists_by_folder_project_originals_and_conversions(api, user, project, folder):
    other_folder = create_folder(api, project["id"], name="Other")
    first = _original(user, folder["id"], "First")
    second = _original(user, folder["id"], "Second")
    elsewhere = _original(user, other_folder["id"], "Elsewhere")
    conversion = library_services.create_converted_recording(
        first,
        created_by=user,
        label="As Anna",
        model_id="11111111-1111-1111-1111-111111111111",
        model_name="Anna",
        calibration_value=1.5,
        params={"semitones_correction": 2},
    )
    by_folder = api.get(f"/api/recordings?folder_id={folder['id']}&direction=asc").json()
    assert [r["id"] for r in by_folder["list"]] == [str(first.pk), str(second.pk), str(conversion.pk)]
    by_project = api.get(f"/api/recordings?project_id={project['id']}").json()
    assert by_project["pagination"]["count"] == 4
    assert {r["id"] for r in by_project["list"]} >= {str(elsewhere.pk)}
    originals = api.get(f"/api/recordings/originals?folder_id={folder['id']}").json()
    assert [r["id"] for r in originals["list"]] == [str(second.pk), str(first.pk)]
    conversions = api.get(f"/api/recordings/conversions?original_id={first.pk}").json()["list"]
    assert len(conversions) == 1
    shown = conversions[0]
    assert shown["type"] == "converted" and shown["original_id"] == str(first.pk)
    assert shown["model_id"] == "11111111-1111-1111-1111-111111111111" and shown["model_name"] == "Anna"
    assert shown["calibration_value"] == 1.5 and shown["params"] == {"semitones_correction": 2}
    assert shown["state"] == "processing" and shown["url"] is None
    # A conversion is not an original.
    assert api.get(f"/api/recordings/conversions?original_id={conversion.pk}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, query, field",
    [
        ("/api/recordings", "", "folder_id"),
        ("/api/recordings", "folder_id=bad", "folder_id"),
        ("/api/recordings", "project_id=bad", "project_id"),
        ("/api/recordings/originals", "", "folder_id"),
        ("/api/recordings/conversions", "", "original_id"),
        ("/api/recordings/conversions", "original_id=1", "original_id"),
    ],
)
def test_bad_list_parameters_are_422(api, path, query, field):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


@pytest.mark.django_db
def test_folder_and_project_must_agree(api, project, folder):
    other = create_project(api, name="Other")
    response = api.get(f"/api/recordings?folder_id={folder['id']}&project_id={other['id']}")
    assert response.status_code == 422


@pytest.mark.django_db
def test_lists_run_a_constant_number_of_queries(api, user, folder, django_assert_max_num_queries):
    originals = [_original(user, folder["id"], f"T{i}") for i in range(10)]
    for original in originals[:5]:
        Note.objects.create(recording=original, text="note")
        library_services.create_converted_recording(original, created_by=user)
    for limit in (2, 15):
        with django_assert_max_num_queries(6):
            body = api.get(f"/api/recordings?folder_id={folder['id']}&limit={limit}").json()
        assert len(body["list"]) == limit
        with django_assert_max_num_queries(6):
            assert len(
                api.get(f"/api/recordings/originals?folder_id={folder['id']}&limit={limit}").json()["list"]
            ) == min(limit, 10)
    with django_assert_max_num_queries(6):
        api.get(f"/api/recordings/conversions?original_id={originals[0].pk}&limit=50")


@pytest.mark.django_db
def test_odd_multipart_bodies_never_500(api, folder, library_media, local_storage):
    as_text = api.post(
        "/api/recordings",
        {"data": "not a file", "parent_folder_id": folder["id"], "microphone": "file"},
        format="multipart",
    )
    assert as_text.status_code == 422 and as_text.json()["detail"][0]["loc"] == ["body", "data"]
    empty = api.post(
        "/api/recordings",
        {"data": io.BytesIO(b""), "parent_folder_id": folder["id"], "microphone": "file"},
        format="multipart",
    )
    assert empty.status_code == 422
    broken = api.generic(
        "POST", "/api/recordings", b"--xx\r\nnot really multipart", content_type="multipart/form-data; boundary=xx"
    )
    assert broken.status_code in (400, 422) and "detail" in broken.json()
    no_boundary = api.generic("POST", "/api/recordings", b"abc", content_type="multipart/form-data")
    assert no_boundary.status_code == 400 and "detail" in no_boundary.json()
    assert Recording.objects.count() == 0 and object_storage.list("conversions") == []


@pytest.mark.django_db
def test_team_members_share_recordings_and_leavers_lose_them(api, user, other_user, client_for, library_media):
    from accounts.models import Membership
    from accounts.services import create_team

    team = create_team(name="Studio", owner=user)
    Membership.objects.create(team=team, user=other_user)
    shared = create_project(api, name="Shared", owner=str(team.id))
    shared_folder = create_folder(api, shared["id"])
    teammate = client_for(other_user)
    uploaded = upload_recording(teammate, shared_folder["id"], library_media["wav"]).json()
    listed = api.get(f"/api/recordings?folder_id={shared_folder['id']}").json()
    assert [r["id"] for r in listed["list"]] == [uploaded["id"]]
    assert api.patch(f"/api/recordings/{uploaded['id']}", {"starred": True}, format="json").status_code == 200
    by_project = f"/api/recordings?project_id={shared['id']}"
    assert [r["id"] for r in teammate.get(by_project).json()["list"]] == [uploaded["id"]]
    Membership.objects.filter(team=team, user=other_user).delete()
    assert teammate.get(by_project).status_code == 404
    assert teammate.get(f"/api/recordings/{uploaded['id']}").status_code == 404
    assert teammate.get(uploaded["url"]).status_code == 404
