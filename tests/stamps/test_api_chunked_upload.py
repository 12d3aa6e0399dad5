"""A `Transfer-Encoding: chunked` upload (no Content-Length) is accepted behind gunicorn, which
de-chunks the body, within the route's size limit; a server that passes the raw chunks answers a
clear 411. Real servers, real HTTP."""

import uuid
from pathlib import Path

import pytest
import requests

from accounts import tokens
from stamps.models import StampFile

pytestmark = pytest.mark.django_db(transaction=True)

# The server's audio limit, small so that crossing it is cheap.
AUDIO_LIMIT = 1_000_000


def _multipart_in_chunks(field: str, path: Path, content_type: str):
    """A multipart body as a generator, so requests sends it with Transfer-Encoding: chunked."""
    boundary = uuid.uuid4().hex
    data = path.read_bytes()

    def body():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{path.name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        for start in range(0, len(data), 16 * 1024):
            yield data[start : start + 16 * 1024]
        yield f"\r\n--{boundary}--\r\n".encode()

    return body(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def gunicorn_server(start_gunicorn):
    return start_gunicorn({"STAMPS_MAX_AUDIO_BYTES": str(AUDIO_LIMIT)})


def test_a_chunked_upload_is_accepted_behind_gunicorn(gunicorn_server, user, stamp, stamp_media):
    body, content_type = _multipart_in_chunks("audio_file", stamp_media["wav"], "audio/wav")
    response = requests.post(
        f"{gunicorn_server}/api/v1/security/vst/{stamp.pk}/audio",
        data=body,
        timeout=60,
        headers={"Authorization": f"Bearer {tokens.issue_tokens(user).access}", "Content-Type": content_type},
    )
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 201, response.text
    audio = StampFile.objects.get(stamp=stamp, role="audio")
    assert audio.size == stamp_media["wav"].stat().st_size


def test_a_chunked_upload_past_the_route_limit_is_413(gunicorn_server, user, stamp, tmp_path):
    big = tmp_path / "too-big.wav"
    big.write_bytes(b"\0" * (AUDIO_LIMIT + 128 * 1024))
    body, content_type = _multipart_in_chunks("audio_file", big, "audio/wav")
    response = requests.post(
        f"{gunicorn_server}/api/v1/security/vst/{stamp.pk}/audio",
        data=body,
        timeout=60,
        headers={"Authorization": f"Bearer {tokens.issue_tokens(user).access}", "Content-Type": content_type},
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"


def test_a_server_that_passes_raw_chunks_answers_411(live_server, user, stamp, stamp_media):
    body, content_type = _multipart_in_chunks("audio_file", stamp_media["wav"], "audio/wav")
    response = requests.post(
        f"{live_server.url}/api/v1/security/vst/{stamp.pk}/audio",
        data=body,
        timeout=60,
        headers={"Authorization": f"Bearer {tokens.issue_tokens(user).access}", "Content-Type": content_type},
    )
    assert response.status_code == 411
    assert "Content-Length" in response.json()["message"]
