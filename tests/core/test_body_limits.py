"""Bodies are refused by size before they are read, on every route (issue 12).

The test client's request stream raises if more is read than was sent, so a request that
declares 150 MB and sends a few bytes proves the body was never read. One test also goes
over a real socket: the 413 arrives while the 150 MB have not been sent at all.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

HUGE = str(150 * 1024 * 1024)
MULTIPART = "multipart/form-data; boundary=xyz"


def _post(client, path, length=HUGE, content_type=MULTIPART, body=b"--xyz--\r\n", method="POST"):
    return client.generic(method, path, body, content_type=content_type, CONTENT_LENGTH=length)


def test_anonymous_reply_with_a_150_mb_body_is_413_unread(anon):
    response = _post(anon, "/api/v1/security/vst/reply/no-such-token")
    assert response.status_code == 413, response.content
    assert response.json()["error"] == "payload_too_large"


def test_reply_to_an_unknown_token_is_404_before_the_body_is_read(anon):
    # Within the limit but never read: the token is checked first.
    response = _post(anon, "/api/v1/security/vst/reply/no-such-token", length="1000000")
    assert response.status_code == 404, response.content


def test_partner_job_with_a_declared_50_mb_body_is_413_in_the_partner_format():
    from partners.account import services

    _, key = services.create_partner(name="Big Bodies", live=False)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    response = _post(client, "/v4/partners/jobs", length=str(50 * 1024 * 1024))
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == 413 and "mode" in response.json()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/voicestamps", "/api/v1/auth/register", "/api/projects", "/api/v1/security/vst/1/drawings", "/api/login"],
)
def test_routes_without_uploads_take_the_default_limit(api, path, settings):
    response = _post(
        api, path, length=str(settings.REQUEST_MAX_BODY_BYTES + 1), content_type="application/json", body=b"{}"
    )
    assert response.status_code == 413, (path, response.content)


def test_each_api_answers_413_in_its_own_format(api, staff_user):
    stamps = _post(api, "/api/v1/security/vst/1/audio")
    assert stamps.status_code == 413 and stamps.json()["errors"] == {"audio_file": ["The audio file is too large."]}
    recordings = _post(api, "/api/recordings", length=str(300 * 1024 * 1024))
    assert recordings.status_code == 413 and "detail" in recordings.json()
    calibration = _post(api, "/api/calibration")
    assert calibration.status_code == 413 and "detail" in calibration.json()
    gallery = _post(bearer_client(staff_user), "/api/v1/voice-gallery")
    assert gallery.status_code == 400 and gallery.json()["error"]["code"] == "FILE_TOO_LARGE"


def test_upload_routes_accept_bodies_up_to_their_own_limit(api, settings):
    # Past the default but inside the recording limit: not refused by size (the form is then invalid).
    response = _post(api, "/api/recordings", length=str(settings.REQUEST_MAX_BODY_BYTES + 10), body=b"x" * 0)
    assert response.status_code != 413


def test_the_share_page_reply_form_is_413_unread(anon):
    response = _post(anon, "/share/whatever/reply")
    assert response.status_code == 413


def test_admin_takes_large_bodies_from_staff_only(staff_user, settings):
    from django.test import Client

    anonymous = Client()
    assert _post(anonymous, "/admin/login/", length=str(settings.REQUEST_MAX_BODY_BYTES + 1)).status_code == 413
    staff = Client()
    staff.force_login(staff_user)
    response = _post(staff, "/admin/partners/demo/add/", length=str(settings.REQUEST_MAX_BODY_BYTES + 1))
    assert response.status_code != 413
    assert _post(staff, "/admin/partners/demo/add/", length=str(settings.ADMIN_MAX_BODY_BYTES + 1)).status_code == 413


def test_a_body_without_content_length_stops_at_the_limit(rf, settings):
    import io

    from django.core.exceptions import RequestDataTooBig

    from core.body_limits import LimitedBody

    stream = LimitedBody(io.BytesIO(b"x" * 5000), 1000)
    assert len(stream.read(600)) == 600
    with pytest.raises(RequestDataTooBig):
        stream.read()


@pytest.mark.django_db(transaction=True)
def test_over_a_socket_the_413_comes_before_the_body_is_sent(live_server):
    address = urlsplit(live_server.url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
        conn.sendall(
            f"POST /api/v1/security/vst/reply/anything HTTP/1.1\r\nHost: {address.hostname}\r\n"
            f"Content-Type: {MULTIPART}\r\nContent-Length: {HUGE}\r\n\r\n".encode()
        )
        head = conn.recv(4096).decode(errors="replace")
    assert head.startswith("HTTP/1.1 413"), head
