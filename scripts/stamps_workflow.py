"""Run the VoiceStamps spec's "Complete Workflow Example" against a running server.

    make run                                   # in one terminal
    .venv/bin/python scripts/stamps_workflow.py [http://127.0.0.1:8000]

Registers a throwaway user, then: create a draft, upload audio (spoken by espeak-ng, encoded
to mp3 by ffmpeg), complete the package with a voice tag, wait for packaging, download the
.vst through its signed URL, and share it by email. Prints each response; exits non-zero on the first unexpected one.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path


def call(
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: dict | None = None,
    files: dict | None = None,
    fields: dict | None = None,
) -> tuple[int, bytes]:
    headers = {}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif files is not None:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (fields or {}).items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content, content_type) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n".encode()
                + content
                + b"\r\n"
            )
        data = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def step(title: str, status: int, content: bytes, expected: int) -> dict:
    body = json.loads(content) if content[:1] in (b"{", b"[") else {}
    print(f"{title}: HTTP {status}\n{json.dumps(body, indent=2)[:1200]}\n")
    if status != expected:
        sys.exit(f"unexpected status {status} (wanted {expected})")
    return body


def spoken_mp3(directory: Path) -> bytes:
    wav, mp3 = directory / "speech.wav", directory / "recording.mp3"
    subprocess.run(
        ["espeak-ng", "-w", str(wav), "This is my first voice stamp. Listen to the important point here."],
        check=True,
        timeout=60,
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", "libmp3lame", str(mp3)], check=True, timeout=60
    )
    return mp3.read_bytes()


def main(base: str) -> None:
    email, password = f"workflow-{uuid.uuid4().hex[:8]}@example.com", uuid.uuid4().hex
    registered = step(
        "register",
        *call(
            "POST",
            f"{base}/api/v1/auth/register",
            body={"email": email, "password": password, "display_name": "Workflow"},
        ),
        201,
    )
    token = registered["access"]

    draft = step(
        "1. create draft",
        *call(
            "POST",
            f"{base}/api/v1/security/vst/draft",
            token=token,
            body={"title": "My First VoiceStamp", "description": "Testing the API workflow"},
        ),
        201,
    )
    vst = f"{base}/api/v1/security/vst/{draft['vst_id']}"
    with tempfile.TemporaryDirectory() as scratch:
        audio = spoken_mp3(Path(scratch))
    step(
        "2. upload audio",
        *call(
            "POST",
            f"{vst}/audio",
            token=token,
            files={"audio_file": ("recording.mp3", audio, "audio/mpeg")},
            fields={"duration": "30.5", "format": "mp3"},
        ),
        201,
    )
    package = step(
        "3. complete package",
        *call(
            "POST",
            f"{vst}/complete-package",
            token=token,
            body={"voice_tags": [{"timestamp": 1.2, "x": 120, "y": 80, "note": "Important point here"}]},
        ),
        202,
    )

    deadline = time.monotonic() + 180
    while True:
        status, content = call("GET", f"{base}/api/v1/voicestamps/{draft['vst_id']}", token=token)
        stamp = json.loads(content).get("data", json.loads(content))
        state = stamp.get("conversion_status") or stamp.get("status")
        if state in ("completed", "failed") or time.monotonic() > deadline:
            break
        time.sleep(1)
    print(f"   packaging finished: {state}\n")
    if state != "completed":
        sys.exit(f"packaging ended {state}: {stamp.get('failure_reason')}")
    download = step("   download_url", *call("GET", package["download_url"], token=token), 200)
    status, vst_bytes = call("GET", download["download_url"])
    with zipfile.ZipFile(io.BytesIO(vst_bytes)) as package_zip:
        entries = package_zip.namelist()
    print(f"   signed package URL: HTTP {status}, {len(vst_bytes)} bytes, entries {entries}\n")
    if status != 200 or entries[0] != "manifest.json":
        sys.exit("the package is not a .vst file")

    step(
        "4. share via email",
        *call(
            "POST",
            f"{base}/api/v1/voicestamps/{draft['vst_id']}/share/email",
            token=token,
            body={
                "recipient_email": "friend@example.com",
                "recipient_name": "Friend Name",
                "message": "Check out my first VoiceStamp!",
            },
        ),
        201,
    )
    print("workflow example: OK")


if __name__ == "__main__":
    main((sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000").rstrip("/"))
