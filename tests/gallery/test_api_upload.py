"""POST /api/v1/voice-gallery/upload-url, the spec's client flow on S3 (moto) and on local disk,
and samples sent as multipart files (sampleFile[0]..sampleFile[4])."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from core.storage import object_storage
from gallery.models import Voice

from tests.conftest import wait_until

from .conftest import put_to_upload_url, request_upload_url

pytestmark = pytest.mark.django_db
URL = "/api/v1/voice-gallery"


# --- Get Pre-Signed Upload URL ---------------------------------------------------------------
@pytest.mark.usefixtures("local_storage")
def test_upload_url_response_as_documented(admin_api):
    response = request_upload_url(admin_api, 2048576)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Pre-signed URL generated successfully. Upload expires in 15 minutes."
    data = body["data"]
    assert set(data) == {"uploadUrl", "fileUrl", "fileKey", "expiresIn"}
    assert data["expiresIn"] == 900
    assert data["fileKey"].startswith("voice-samples/") and data["fileKey"].endswith(".mp3")
    assert "rachel" not in data["fileKey"]
    assert data["fileUrl"] == object_storage.object_url(data["fileKey"])


@pytest.mark.usefixtures("local_storage")
@pytest.mark.parametrize(
    "file_type, file_name",
    [("audio/wav", "a.mp3"), ("audio/mpeg3", "a.mp3"), ("audio/mpeg", "a.wav"), ("AUDIO/MPEG", "a.mp3")],
)
def test_upload_url_rejects_other_types(admin_api, file_type, file_name):
    response = request_upload_url(admin_api, 1000, file_name=file_name, file_type=file_type)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_FILE_TYPE"
    if file_name == "a.mp3":
        assert error["message"] == f"Only MP3 files are allowed. Received: {file_type}"


@pytest.mark.usefixtures("local_storage")
def test_upload_url_rejects_files_over_5_mb(admin_api):
    assert request_upload_url(admin_api, 5242880).status_code == 200
    response = request_upload_url(admin_api, 7340032)
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": {
            "code": "FILE_TOO_LARGE",
            "message": "File size 7340032 bytes exceeds maximum of 5242880 bytes (5MB)",
        },
    }


@pytest.mark.usefixtures("local_storage")
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"fileName": "a.mp3", "fileType": "audio/mpeg"},
        {"fileName": "a.mp3", "fileType": "audio/mpeg", "fileSize": 0},
        {"fileName": "a.mp3", "fileType": "audio/mpeg", "fileSize": "big"},
    ],
)
def test_upload_url_validation(admin_api, body):
    response = admin_api.post(f"{URL}/upload-url", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.usefixtures("local_storage")
def test_upload_url_is_for_admins_only(anon, client_for, user):
    assert request_upload_url(anon, 1000).status_code == 401
    assert request_upload_url(client_for(user), 1000).status_code == 403


# --- the spec's client flow, as written ------------------------------------------------------------
def _create_and_list(admin_api, anon, file_url):
    created = admin_api.post(
        URL,
        {
            "name": "Rachel",
            "voiceCharacteristic": "Female",
            "orderNumber": 1,
            "isPublished": True,
            "samples": [file_url],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    listed = anon.get(URL, {"page": 1, "size": 10}).json()["data"]["items"]
    assert [(item["name"], item["samples"]) for item in listed] == [("Rachel", [file_url])]


def test_client_flow_against_s3(admin_api, anon, s3_storage, mp3_bytes):
    data = request_upload_url(admin_api, len(mp3_bytes)).json()["data"]
    query = parse_qs(urlsplit(data["uploadUrl"]).query)
    assert set(query["X-Amz-SignedHeaders"][0].split(";")) >= {"content-type", "content-length", "host"}
    assert data["fileUrl"].startswith(f"{s3_storage['endpoint']}/{s3_storage['bucket']}/voice-samples/")
    uploaded = put_to_upload_url(data["uploadUrl"], mp3_bytes)
    assert uploaded.status_code == 200, uploaded.text
    assert object_storage.size(data["fileKey"]) == len(mp3_bytes)
    _create_and_list(admin_api, anon, data["fileUrl"])


def test_client_flow_against_local_disk(admin_api, anon, local_storage, mp3_bytes):
    data = request_upload_url(admin_api, len(mp3_bytes)).json()["data"]
    uploaded = put_to_upload_url(data["uploadUrl"], mp3_bytes, django_client=anon)
    assert uploaded.status_code == 200
    assert (local_storage / data["fileKey"]).read_bytes() == mp3_bytes
    _create_and_list(admin_api, anon, data["fileUrl"])


def test_a_slot_used_for_other_content_is_rejected_at_create(admin_api, anon, s3_storage, wav_bytes):
    data = request_upload_url(admin_api, len(wav_bytes)).json()["data"]
    assert put_to_upload_url(data["uploadUrl"], wav_bytes).status_code == 200
    response = admin_api.post(
        URL,
        {"name": "Sneaky", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": [data["fileUrl"]]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "INVALID_S3_URL",
        "message": "One or more S3 URLs are invalid or inaccessible",
        "invalidUrls": [data["fileUrl"]],
    }


def test_a_url_requested_but_never_uploaded_is_invalid(admin_api, s3_storage):
    data = request_upload_url(admin_api, 1000).json()["data"]
    response = admin_api.post(
        URL,
        {"name": "Empty", "voiceCharacteristic": "Male", "orderNumber": 1, "samples": [data["fileUrl"]]},
        format="json",
    )
    assert response.json()["error"]["invalidUrls"] == [data["fileUrl"]]


def test_local_slot_refuses_more_than_the_declared_size(admin_api, anon, local_storage, mp3_bytes):
    data = request_upload_url(admin_api, 100).json()["data"]
    response = put_to_upload_url(data["uploadUrl"], mp3_bytes, django_client=anon)
    assert response.status_code == 413
    assert not (local_storage / data["fileKey"]).exists()


# --- samples as multipart files --------------------------------------------------------------------
def _form(**files):
    return {"name": "Daniel", "voiceCharacteristic": "Male", "orderNumber": "3", "isPublished": "true", **files}


def _upload(data: bytes, name: str = "daniel-sample-1.mp3"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="audio/mpeg")


@pytest.mark.parametrize("storage", ["local_storage", "s3_storage"])
def test_multipart_create_stores_the_files(request, admin_api, mp3_bytes, storage):
    request.getfixturevalue(storage)
    response = admin_api.post(
        URL,
        _form(**{"sampleFile[1]": _upload(mp3_bytes, "b.mp3"), "sampleFile[0]": _upload(mp3_bytes, "a.mp3")}),
        format="multipart",
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["isPublished"] is True and data["orderNumber"] == 3
    keys = [object_storage.key_from_object_url(url) for url in data["samples"]]
    assert len(keys) == 2 and all(key.startswith("voice-samples/") for key in keys)
    assert all(object_storage.size(key) == len(mp3_bytes) for key in keys)


@pytest.mark.usefixtures("local_storage")
def test_multipart_rejects_non_mp3_and_stores_nothing(admin_api, mp3_bytes, wav_bytes, local_storage):
    response = admin_api.post(
        URL,
        _form(**{"sampleFile[0]": _upload(mp3_bytes), "sampleFile[1]": _upload(wav_bytes, "fake.mp3")}),
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_FILE_TYPE"
    response = admin_api.post(URL, _form(**{"sampleFile[0]": _upload(mp3_bytes, "a.wav")}), format="multipart")
    assert response.json()["error"]["code"] == "INVALID_FILE_TYPE"
    assert not Voice.objects.exists()
    assert object_storage.list("voice-samples") == []


@pytest.mark.usefixtures("local_storage")
def test_multipart_rejects_files_over_5_mb(admin_api, mp3_bytes):
    big = mp3_bytes + b"\0" * (5 * 1024 * 1024)
    response = admin_api.post(URL, _form(**{"sampleFile[0]": _upload(big)}), format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "FILE_TOO_LARGE"
    assert object_storage.list("voice-samples") == []


@pytest.mark.usefixtures("local_storage")
def test_multipart_field_rules(admin_api, mp3_bytes):
    missing = admin_api.post(URL, _form(), format="multipart")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {"samples": ["At least one sample file is required"]}
    unknown = admin_api.post(URL, _form(**{"sampleFile[5]": _upload(mp3_bytes)}), format="multipart")
    assert unknown.status_code == 400 and "samples" in unknown.json()["error"]["fields"]
    bad_name = admin_api.post(
        URL, {**_form(**{"sampleFile[0]": _upload(mp3_bytes)}), "name": "<i>x</i>"}, format="multipart"
    )
    assert bad_name.status_code == 400 and "name" in bad_name.json()["error"]["fields"]
    assert object_storage.list("voice-samples") == []


def test_files_are_removed_when_the_database_write_fails(admin_user, mp3_bytes, local_storage, monkeypatch):
    from django.db import IntegrityError

    from gallery import services

    def broken(voice, keys):
        raise IntegrityError("simulated failure after the samples were stored")

    monkeypatch.setattr(services, "_set_samples", broken)
    with pytest.raises(IntegrityError):
        services.create_voice(
            actor=admin_user,
            name="Daniel",
            voice_characteristic="Male",
            order_number=1,
            sample_files=[_upload(mp3_bytes)],
        )
    assert object_storage.list("voice-samples") == []
    assert not Voice.objects.exists()


@pytest.mark.usefixtures("local_storage")
def test_multipart_put_replaces_samples(admin_api, make_voice, mp3_bytes):
    voice = make_voice("Rachel")
    response = admin_api.put(f"{URL}/{voice.pk}", {"sampleFile[0]": _upload(mp3_bytes)}, format="multipart")
    assert response.status_code == 200, response.content
    [url] = response.json()["data"]["samples"]
    assert voice.samples.get().key == object_storage.key_from_object_url(url)


# --- playing samples -------------------------------------------------------------------------------
def _fetch(url, django_client, headers=None):
    """GET a playable URL: S3 through HTTP, the local signed route through the Django client."""
    headers = headers or {}
    if url.startswith("http://testserver/"):
        response = django_client.get(url.removeprefix("http://testserver"), headers=headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body, response.headers
    response = requests.get(url, headers=headers, timeout=30)
    return response.status_code, response.content, response.headers


@pytest.mark.parametrize("storage", ["local_storage", "s3_storage"])
def test_every_reader_gets_playable_signed_range_capable_sample_urls(
    request, storage, admin_api, anon, client_for, user, make_voice, mp3_bytes, settings
):
    request.getfixturevalue(storage)
    voice = make_voice("Rachel")
    for reader in (anon, client_for(user), admin_api):
        listed = reader.get(URL).json()["data"]["items"][0]
        shown = reader.get(f"{URL}/{voice.pk}").json()["data"]
        for entity in (listed, shown):
            assert len(entity["playableSamples"]) == len(entity["samples"]) == 1
            status, body, headers = _fetch(entity["playableSamples"][0], anon)
            assert status == 200 and body == mp3_bytes
            assert headers["Content-Type"] == "audio/mpeg"
            status, body, headers = _fetch(entity["playableSamples"][0], anon, {"Range": "bytes=100-199"})
            assert status == 206 and body == mp3_bytes[100:200]
    assert "Signature" in listed["playableSamples"][0] or "/storage/o/" in listed["playableSamples"][0]


def test_playable_sample_urls_expire_after_the_signed_url_ttl(local_storage, anon, make_voice, settings):
    settings.SIGNED_URL_TTL = 1
    voice = make_voice("Rachel")
    url = anon.get(f"{URL}/{voice.pk}").json()["data"]["playableSamples"][0]
    assert _fetch(url, anon)[0] == 200
    wait_until(lambda: _fetch(url, anon)[0] == 403, timeout=10, message="the signed URL to expire")


def test_playable_sample_urls_on_s3_are_presigned_for_the_signed_url_ttl(s3_storage, anon, make_voice, settings):
    settings.SIGNED_URL_TTL = 120
    voice = make_voice("Rachel")
    url = anon.get(f"{URL}/{voice.pk}").json()["data"]["playableSamples"][0]
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["120"]
