"""Staff see the library in the admin: players and waveforms through signed URLs, state filters."""

import pytest

from conversions.library import services as library_services
from conversions.models import Folder, Recording
from core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def recordings(user, folder, library_media):
    parent = Folder.objects.get(pk=folder["id"])
    done = Recording.objects.create(project_id=parent.project_id, parent_folder=parent, created_by=user, label="Good")
    done = library_services.complete_recording(done.pk, library_media["mp3"])
    failed = Recording.objects.create(
        project_id=parent.project_id,
        parent_folder=parent,
        created_by=user,
        label="Broken",
        state="error",
        error="decode failed",
    )
    return done, failed


def test_pages_load_with_players(admin_client, recordings, project):
    done, failed = recordings
    for path in (
        "/admin/conversions/project/",
        f"/admin/conversions/project/{project['id']}/change/",
        "/admin/conversions/folder/",
        "/admin/conversions/note/",
        "/admin/conversions/ttsvoice/",
        f"/admin/conversions/recording/{done.pk}/change/",
    ):
        assert admin_client.get(path).status_code == 200, path
    page = admin_client.get("/admin/conversions/recording/").content.decode()
    assert "<audio controls" in page and "Good" in page and "Broken" in page
    change = admin_client.get(f"/admin/conversions/recording/{done.pk}/change/").content.decode()
    assert 'alt="waveform"' in change
    # The signed URL really serves the audio.
    src = change.split('<audio controls preload="none" src="')[1].split('"')[0].replace("&amp;", "&")
    served = admin_client.get(src.replace("http://testserver", ""))
    assert served.status_code == 200 and served["Content-Type"] == "audio/mpeg"


def test_state_filter_and_reprocess_action(admin_client, recordings):
    done, failed = recordings
    page = admin_client.get("/admin/conversions/recording/?state=error").content.decode()
    assert "Broken" in page and "Good" not in page
    response = admin_client.post(
        "/admin/conversions/recording/", {"action": "reprocess", "_selected_action": [done.pk, failed.pk]}
    )
    assert response.status_code == 302
    # Only the recording with stored audio is queued again.
    assert Recording.objects.get(pk=done.pk).state == "processing"
    assert Recording.objects.get(pk=failed.pk).state == "error"
    assert Job.objects.filter(kind="conversions.recording", subject=f"recording:{done.pk}").count() == 1


def test_deleting_in_the_admin_cleans_storage_too(admin_client, recordings, project):
    done, _ = recordings
    keys = {done.audio_key, done.waveform_key}
    response = admin_client.post(f"/admin/conversions/project/{project['id']}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Recording.objects.exists()
    assert set(Job.objects.get(kind="storage.cleanup").payload["keys"]) == keys
