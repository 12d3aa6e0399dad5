"""The stamps admin: filters, search, file links and the re-run actions."""

import pytest
from django.test import Client

from core.models import Job
from stamps.models import Stamp, StampFile
from tests.stamps.conftest import upload_audio

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client = Client()
    client.force_login(staff_user)
    return client


def test_changelist_filters_and_search(staff, make_stamp):
    make_stamp(title="Findable", voice_tags=[{"timestamp": 1, "note": "secret-word"}])
    done = make_stamp(title="Finished")
    Stamp.objects.filter(pk=done.pk).update(conversion_status="completed")
    listing = staff.get("/admin/stamps/stamp/")
    assert listing.status_code == 200
    filtered = staff.get("/admin/stamps/stamp/?conversion_status__exact=completed")
    assert b"Finished" in filtered.content and b"Findable" not in filtered.content
    searched = staff.get("/admin/stamps/stamp/?q=secret-word")
    assert b"Findable" in searched.content and b"Finished" not in searched.content


def test_change_page_links_files_with_signed_urls(staff, api, stamp, stamp_media):
    upload_audio(api, stamp.pk, stamp_media["mp3"])
    audio = StampFile.objects.get(stamp=stamp, role="audio")
    page = staff.get(f"/admin/stamps/stamp/{stamp.pk}/change/")
    assert page.status_code == 200
    assert b"/storage/o/" in page.content and audio.filename.encode() in page.content


def test_rerun_actions_start_jobs(staff, api, make_stamp, stamp_media):
    ready = make_stamp(title="Ready")
    upload_audio(api, ready.pk, stamp_media["mp3"])
    empty = make_stamp(title="Empty")
    response = staff.post(
        "/admin/stamps/stamp/", {"action": "rerun_packaging", "_selected_action": [ready.pk, empty.pk]}, follow=True
    )
    assert response.status_code == 200
    ready.refresh_from_db()
    empty.refresh_from_db()
    assert ready.conversion_status == "processing" and ready.package_job.kind == "stamps.package"
    assert empty.conversion_status == "draft"
    before = Job.objects.filter(kind="stamps.thumbnail").count()
    staff.post("/admin/stamps/stamp/", {"action": "rerun_thumbnails", "_selected_action": [ready.pk]})
    assert Job.objects.filter(kind="stamps.thumbnail").count() == before + 1
    assert Job.objects.filter(kind="stamps.thumbnail").latest("created_at").payload["force"] is True
