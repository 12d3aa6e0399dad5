"""Calibration and a conversion order on S3 (a moto server over HTTP) with a worker on the same bucket."""

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.services import grant_credits
from conversions.models import Calibration, Order
from tests.conftest import wait_until
from tests.media import speech_wav

from .catalogue_factories import make_original, make_voice, tier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def s3_worker(s3_storage, start_worker):
    """A worker on the bucket (on a queue of its own, see start_worker)."""
    return start_worker(s3_storage["env"])


def bucket_keys(s3):
    client = boto3.client(
        "s3",
        endpoint_url=s3["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return {item["Key"] for item in client.list_objects_v2(Bucket=s3["bucket"]).get("Contents", [])}


def test_calibrate_and_convert_on_s3(api, user, staff_user, s3_storage, s3_worker, tmp_path):
    speech = speech_wav(tmp_path / "speech.wav", text="Stored in a bucket and converted there.")
    data = SimpleUploadedFile("me.wav", speech.read_bytes(), content_type="audio/wav")
    body = api.post("/api/calibration", {"name": "Bucket", "data": data}, format="multipart").json()
    assert body["bucket"] == s3_storage["bucket"] and body["key"] in bucket_keys(s3_storage)
    wait_until(
        lambda: Calibration.objects.get(pk=body["id"]).state != "processing", timeout=90, message="calibration on S3"
    )
    calibration = Calibration.objects.get(pk=body["id"])
    assert calibration.state == "calibrated" and 60 < calibration.f0 < 200
    assert api.put(f"/api/calibration/{calibration.pk}/enable").json()["enabled"] is True

    tier("basic", 0)
    grant_credits(user, 50)
    voice = make_voice(staff_user, pitch=210)
    original = make_original(user, speech)
    orders = api.post(
        "/api/v2/orders", {"original_id": str(original.pk), "conversions": [{"voice_id": str(voice.pk)}]}, format="json"
    ).json()
    assert orders[0]["calibration_id"] == str(calibration.pk)
    wait_until(
        lambda: Order.objects.get(pk=orders[0]["id"]).state in ("done", "error"), timeout=120, message="order on S3"
    )
    order = Order.objects.select_related("conversion").get(pk=orders[0]["id"])
    assert order.state == "done", order.error
    assert order.reference_f0 == calibration.f0
    assert {order.conversion.audio_key, order.conversion.waveform_key} <= bucket_keys(s3_storage)

    api.delete(f"/api/calibration/{calibration.pk}")
    wait_until(
        lambda: calibration.audio_key not in bucket_keys(s3_storage),
        timeout=60,
        message="calibration audio to be cleaned up",
    )
