"""The same API on S3 (a moto server over HTTP): script files and demo audio."""

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from core.storage import object_storage
from partners.talents import services
from partners.models import Job
from tests.partners.conftest import PREFIX

pytestmark = pytest.mark.django_db


def test_script_file_is_stored_in_s3_and_served_by_a_presigned_url(program, talent, live_client, s3_storage):
    upload = SimpleUploadedFile("brief.txt", b"Script on S3", content_type="text/plain")
    response = live_client.post(
        f"{PREFIX}/jobs",
        {"program_id": program.pk, "talent_id": talent.pk, "script_file": upload, "job_description": "S3"},
        format="multipart",
    )
    assert response.status_code == 201
    job = Job.objects.get()
    assert object_storage.list("partners") == [job.script_file_key]
    url = live_client.get(f"{PREFIX}/jobs/{job.pk}").json()["data"]["script_file"]["url"]
    assert url.startswith(s3_storage["endpoint"])
    downloaded = requests.get(url, timeout=10)
    assert downloaded.status_code == 200 and downloaded.content == b"Script on S3"


def test_demo_audio_streams_from_s3_with_range(talent, short_mp3, live_client, anon, s3_storage):
    services.add_demo(talent, SimpleUploadedFile("demo.mp3", short_mp3.read_bytes()), title="S3 demo", tags=[])
    audio_url = live_client.get(f"{PREFIX}/talents/{talent.pk}").json()["data"]["demo"][0]["url"]["audio_url"]
    partial = anon.get(audio_url.replace("http://testserver", ""), HTTP_RANGE="bytes=0-99")
    assert partial.status_code == 206
    assert b"".join(partial.streaming_content) == short_mp3.read_bytes()[:100]
