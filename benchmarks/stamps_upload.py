"""VoiceStamps audio upload: POST /api/v1/security/vst/{id}/audio of a BENCH_STAMPS_UPLOAD_MB (default
500) MB WAV to gunicorn, streamed from the client. Reported: growth of the serving process's peak
memory (goal under 50 MB: Django spools the upload to a temporary file, ffprobe reads it there and
storage streams it), and the upload time against copying the same file with `cp` (the disk baseline)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.harness import proc_status_kb, running_server, serving_pids

UPLOAD_MB = int(os.environ.get("BENCH_STAMPS_UPLOAD_MB", "500"))

SETUP = """
import json
from accounts.models import User
from accounts.services import create_api_key
from stamps import services
user = User.objects.create_user(email="bench-upload@example.com", password="x")
_, key = create_api_key(user)
stamp = services.create_stamp(owner=user, title="Upload bench")
print(json.dumps({"key": key, "stamp": stamp.pk}))
"""


def _multipart_upload(base_url: str, path: str, api_key: str, wav: Path) -> tuple[float, int, bytes]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="audio_file"; filename="long.wav"\r\n'
        f"Content-Type: audio/wav\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = wav.stat().st_size

    def body():
        yield head
        with wav.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                yield chunk
        yield tail

    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=1800)
    started = time.perf_counter()
    conn.request(
        "POST",
        path,
        body=body(),
        headers={
            "api-key": api_key,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + size + len(tail)),
        },
    )
    response = conn.getresponse()
    return time.perf_counter() - started, response.status, response.read()


def run() -> list[dict]:
    scratch = Path(tempfile.mkdtemp(prefix="vp-bench-upload-"))
    wav = scratch / "long.wav"
    # Stereo, so 500 MB is 45 minutes: within the one-hour duration cap of every audio upload
    # (mono it was 91 minutes, refused 422 since the cap came in).
    seconds = UPLOAD_MB * 1024 * 1024 / (48000 * 2 * 2)
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=220:duration={seconds}",
            "-ac",
            "2",
            "-ar",
            "48000",
            "-c:a",
            "pcm_s16le",
            str(wav),
        ],
        check=True,
        timeout=1800,
    )
    try:
        extra = {"STAMPS_MAX_AUDIO_BYTES": str((UPLOAD_MB + 10) * 1024 * 1024)}
        with running_server(workers=1, threads=2, extra_env=extra) as server:
            data_dir = server.env["VOICEPLATFORM_DATA_DIR"]
            setup = server.django(SETUP)
            pids = serving_pids(data_dir)
            conn = http.client.HTTPConnection(*server.base_url.removeprefix("http://").split(":"), timeout=30)
            conn.request("GET", "/api/v1/voicestamps", headers={"api-key": setup["key"]})
            conn.getresponse().read()
            before = {pid: proc_status_kb(pid, "VmRSS") for pid in pids}
            upload_seconds, status, body = _multipart_upload(
                server.base_url, f"/api/v1/security/vst/{setup['stamp']}/audio", setup["key"], wav
            )
            if status != 201:
                raise RuntimeError(f"upload failed: {status} {body[:300]!r}")
            growth_kb = max(proc_status_kb(pid, "VmHWM") - before[pid] for pid in pids)
            started = time.perf_counter()
            shutil.copyfile(wav, scratch / "copy.wav")
            copy_seconds = time.perf_counter() - started
        shutil.rmtree(data_dir, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [
        {
            "name": f"stamps: {UPLOAD_MB} MB audio upload, web process peak memory growth",
            "value": round(growth_kb / 1024, 1),
            "unit": "MB",
            "baseline": 50,
            "ratio": round(growth_kb / 1024 / 50, 2),
            "note": "goal < 50 MB; " + json.dumps(json.loads(body))[:80],
        },
        {
            "name": f"stamps: {UPLOAD_MB} MB audio upload time vs cp",
            "value": round(upload_seconds, 2),
            "unit": "s",
            "baseline": round(copy_seconds, 2),
            "ratio": round(upload_seconds / copy_seconds, 2),
            "note": "upload = HTTP + spool to temp + ffprobe + stream to storage with SHA-256",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
