"""The library on S3 (a moto server over HTTP): upload, the waveform job in a worker that uses the
same bucket, serving, export and cleanup after delete."""

import io
import zipfile

import boto3
import pytest

from conversions.models import Recording
from core.models import Job
from tests.conftest import wait_until
from tests.conversions.library_helpers import upload_recording, wait_for_state

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _keys(s3):
    client = boto3.client(
        "s3",
        endpoint_url=s3["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    listed = client.list_objects_v2(Bucket=s3["bucket"])
    return {item["Key"] for item in listed.get("Contents", [])}


@pytest.fixture
def s3_worker(s3_storage, start_worker):
    """A worker on the S3 bucket (on a queue of its own, see start_worker)."""
    return start_worker(s3_storage["env"])


def test_recording_lifecycle_on_s3(api, project, folder, library_media, s3_storage, s3_worker):
    body = upload_recording(api, folder["id"], library_media["flac"]).json()
    recording = wait_for_state(body["id"])
    assert recording.state == "done", recording.error
    assert _keys(s3_storage) == {recording.audio_key, recording.waveform_key}

    audio = api.get(body["url"])
    assert b"".join(audio.streaming_content) == library_media["flac"].read_bytes()
    assert api.get(f"/api/files/recordings/{body['id']}/waveform.png").status_code == 200

    export = api.get(f"/api/projects/{project['id']}/export")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content)))
    assert archive.read("Takes/Take one.flac") == library_media["flac"].read_bytes()

    assert api.delete(f"/api/recordings/{body['id']}").status_code == 200
    assert not Recording.objects.exists()
    wait_until(
        lambda: Job.objects.filter(kind="storage.cleanup", state="succeeded").exists(),
        timeout=60,
        message="the cleanup job",
    )
    assert _keys(s3_storage) == set()
