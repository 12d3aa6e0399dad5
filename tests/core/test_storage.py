"""The storage service on local disk and on S3 (a moto server over HTTP)."""

import hashlib
import io
import time

import pytest
import requests
from django.test import Client, RequestFactory

from core.storage import new_key, object_storage, removed_on_failure

pytestmark = pytest.mark.django_db

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


@pytest.fixture(params=["local", "s3"])
def storage_backend(request):
    if request.param == "local":
        request.getfixturevalue("local_storage")
    else:
        request.getfixturevalue("s3_storage")
    return request.param


def fetch(url: str) -> tuple[int, bytes, dict]:
    if url.startswith("http://testserver"):
        response = Client().get(url.removeprefix("http://testserver"))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body, dict(response.headers)
    response = requests.get(url, timeout=10)
    return response.status_code, response.content, dict(response.headers)


def test_put_streams_and_reports_size_and_checksum(storage_backend):
    key = new_key("tests/objects", "bin")
    stored = object_storage.put(key, io.BytesIO(PAYLOAD), "application/octet-stream")
    assert stored.size == len(PAYLOAD)
    assert stored.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert object_storage.exists(key) and object_storage.size(key) == len(PAYLOAD)
    with object_storage.open(key) as handle:
        assert handle.read() == PAYLOAD
    assert key in object_storage.list("tests")
    object_storage.delete(key)
    assert not object_storage.exists(key)


def test_keys_are_generated_and_unguessable():
    first, second = new_key("stamps/1/audio", ".MP3"), new_key("stamps/1/audio", "mp3")
    assert first != second and first.startswith("stamps/1/audio/") and first.endswith(".mp3")
    assert len(first.rsplit("/", 1)[1]) == 32 + 4


def test_signed_url_serves_the_object_until_it_expires(storage_backend, time_machine):
    key = object_storage.put_bytes(new_key("tests/signed", "bin"), PAYLOAD).key
    url = object_storage.signed_url(key, expires=60, filename="sample.bin", content_type="application/octet-stream")
    status, body, _ = fetch(url)
    assert status == 200 and body == PAYLOAD
    if storage_backend == "local":
        expired = object_storage.signed_url(key, expires=1)
        assert fetch(expired)[0] == 200
        time_machine.move_to(time.time() + 2, tick=False)
        assert fetch(expired)[0] == 403
        tampered = url[:-3] + ("abc" if not url.endswith("abc") else "xyz")
        assert fetch(tampered)[0] == 403


def test_local_signed_url_supports_range_and_etag(local_storage):
    key = object_storage.put_bytes(new_key("tests/range", "bin"), PAYLOAD).key
    path = object_storage.signed_url(key).removeprefix("http://testserver")
    client = Client()
    partial = client.get(path, HTTP_RANGE="bytes=10-19")
    assert partial.status_code == 206
    assert b"".join(partial.streaming_content) == PAYLOAD[10:20]
    assert partial["Content-Range"] == f"bytes 10-19/{len(PAYLOAD)}"
    suffix = client.get(path, HTTP_RANGE="bytes=-5")
    assert b"".join(suffix.streaming_content) == PAYLOAD[-5:]
    assert client.get(path, HTTP_RANGE=f"bytes={len(PAYLOAD)}-").status_code == 416


def test_upload_slot_accepts_one_object_of_the_bound_type_and_size(storage_backend):
    key = new_key("tests/slots", "mp3")
    slot = object_storage.upload_slot(key, content_type="audio/mpeg", max_size=len(PAYLOAD))
    assert slot.method == "PUT" and slot.headers == {"Content-Type": "audio/mpeg"} and slot.expires_in == 900
    if storage_backend == "local":
        path = slot.url.removeprefix("http://testserver")
        client = Client()
        assert client.put(path, PAYLOAD, content_type="audio/wav").status_code == 400
        too_big = new_key("tests/slots", "mp3")
        small = object_storage.upload_slot(too_big, content_type="audio/mpeg", max_size=10)
        assert (
            client.put(small.url.removeprefix("http://testserver"), PAYLOAD, content_type="audio/mpeg").status_code
            == 413
        )
        assert not object_storage.exists(too_big)
        response = client.put(path, PAYLOAD, content_type="audio/mpeg")
    else:
        response = requests.put(slot.url, data=PAYLOAD, headers=slot.headers, timeout=10)
    assert response.status_code == 200
    with object_storage.open(key) as handle:
        assert handle.read() == PAYLOAD


def test_object_urls_round_trip_and_reject_foreign_urls(storage_backend):
    key = "voice-samples/abc.mp3"
    url = object_storage.object_url(key)
    assert object_storage.key_from_object_url(url) == key
    for foreign in [
        "https://evil.example.com/voice-samples/abc.mp3",
        url + "?x=1",
        url.replace("abc.mp3", "../x"),
        "ftp://x/y",
        "",
        42,
    ]:
        assert object_storage.key_from_object_url(foreign) is None


def test_objects_stored_in_a_failed_block_are_removed_and_kept_when_it_completes(storage_backend):
    kept_before = object_storage.put_bytes(new_key("test/failure"), b"stored before", "text/plain").key
    with pytest.raises(RuntimeError):
        with removed_on_failure([kept_before]) as keys:
            keys.append(object_storage.put_bytes(new_key("test/failure"), b"inside", "text/plain").key)
            raise RuntimeError("the row could not be written")
    assert not any(object_storage.exists(key) for key in keys)

    with removed_on_failure() as keys:
        keys.append(object_storage.put_bytes(new_key("test/failure"), b"inside", "text/plain").key)
    assert object_storage.exists(keys[0])


def test_signed_urls_for_a_request_use_its_host_for_each_url(local_storage, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "media.example.com"]
    request = RequestFactory(HTTP_HOST="media.example.com").get("/")
    first, second = (object_storage.put_bytes(new_key("tests/host", "bin"), data).key for data in (b"one", b"two"))
    urls = [object_storage.signed_url(key, request=request) for key in (first, second)]
    assert all(url.startswith("http://media.example.com/storage/o/") for url in urls)
    assert object_storage.signed_url(first, request=request, absolute=False).startswith("/storage/o/")
    assert [fetch(url.replace("media.example.com", "testserver"))[1] for url in urls] == [b"one", b"two"]
