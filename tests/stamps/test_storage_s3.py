"""The same stamp life on S3 (a moto server over HTTP): uploads, packaging, the VSTFile S3 keys,
a presigned download, and deletion emptying the bucket. Jobs run in-process here through the
same service the Celery task calls."""

import io

import boto3
import pytest
import requests

from core.models import Job
from core.services import run_storage_cleanup
from stamps.packaging import services as packaging_services
from stamps.packaging import vst
from stamps.models import Stamp, StampFile
from tests.stamps.conftest import upload_audio, upload_image

pytestmark = pytest.mark.django_db


def _bucket_keys(s3):
    client = boto3.client(
        "s3",
        endpoint_url=s3["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=s3["bucket"]).get("Contents", []))


def test_stamp_on_s3(api, stamp, stamp_media, s3_storage, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        assert upload_audio(api, stamp.pk, stamp_media["mp3"]).status_code == 201
        assert upload_image(api, stamp.pk).status_code == 201
    audio = StampFile.objects.get(stamp=stamp, role="audio")
    assert _bucket_keys(s3_storage) == sorted(StampFile.objects.filter(stamp=stamp).values_list("key", flat=True))

    ranged = api.get(f"/api/v1/security/vst/{stamp.pk}/audio/{audio.filename}", HTTP_RANGE="bytes=0-9")
    assert ranged.status_code == 206
    assert b"".join(ranged.streaming_content) == stamp_media["mp3"].read_bytes()[:10]

    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(f"/api/v1/security/vst/{stamp.pk}/complete-package", {}, format="json")
    assert response.status_code == 202
    packaging_services.run_packaging(Stamp.objects.get(pk=stamp.pk).package_job_id)

    data = api.get(f"/api/v1/voicestamps/{stamp.pk}").json()["data"]
    assert data["conversion_status"] == "completed"
    package = StampFile.objects.get(stamp=stamp, role="package")
    manifest = StampFile.objects.get(stamp=stamp, role="manifest")
    assert data["aws_s3_bucket"] == s3_storage["bucket"]
    assert (data["aws_s3_key"], data["manifest_s3_key"], data["package_s3_key"]) == (
        audio.key,
        manifest.key,
        package.key,
    )
    assert data["file_size_bytes"] == package.size

    link = api.get(f"/api/v1/security/vst/{stamp.pk}/download").json()["download_url"]
    assert link.startswith(s3_storage["endpoint"]) and "X-Amz-Signature" in link
    fetched = requests.get(link, timeout=30)
    assert fetched.status_code == 200 and len(fetched.content) == package.size
    vst.validate_package(io.BytesIO(fetched.content))

    owned = sorted(StampFile.objects.filter(stamp=stamp).values_list("key", flat=True))
    assert _bucket_keys(s3_storage) == owned
    with django_capture_on_commit_callbacks(execute=False):
        assert api.delete(f"/api/v1/voicestamps/{stamp.pk}").status_code == 200
    run_storage_cleanup(Job.objects.get(kind="storage.cleanup", subject=f"stamp:{stamp.pk}").pk)
    assert _bucket_keys(s3_storage) == []
