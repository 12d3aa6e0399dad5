"""Project export: GET /api/projects/{id}/export of a ~1 GB project (real WAV recordings) on
gunicorn, streamed to a client that reads and discards it. Reported against `zip -0` of the
same stored files to stdout: wall time, and peak memory growth of the serving process vs
zip's peak memory."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from benchmarks.harness import proc_status_kb, running_server, serving_pids

TOTAL_MB = int(os.environ.get("BENCH_EXPORT_MB", "1024"))
FILE_MB = 64

SETUP = """
import json, subprocess, tempfile
from pathlib import Path
from django.utils import timezone
from accounts.models import User
from accounts.services import create_api_key
from conversions.library import services as library_services
from conversions.models import Folder, Recording
from core.storage import new_key, object_storage

user = User.objects.create_user(email="bench-export@example.com", password="x")
_, key = create_api_key(user)
project = library_services.create_project(user, name="Export bench")
folder = library_services.create_folder(project=project, name="Takes")
scratch = Path(tempfile.mkdtemp())
# A real WAV of about FILE_MB megabytes: 48 kHz stereo 16-bit sine.
seconds = FILE_MB * 1024 * 1024 / (48000 * 2 * 2)
wav = scratch / "take.wav"
subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}",
                "-ac", "2", "-ar", "48000", "-c:a", "pcm_s16le", str(wav)], check=True, timeout=600)
paths = []
for index in range(COUNT):
    with wav.open("rb") as source:
        stored = object_storage.put(new_key(f"conversions/{project.pk}/recordings", "wav"), source, "audio/wav")
    Recording.objects.create(project=project, parent_folder=folder, created_by=user, label=f"Take {index}",
                             file_name=f"take-{index}.wav", audio_key=stored.key, audio_format="wav",
                             content_type="audio/wav", size=stored.size, sha256=stored.sha256, duration=seconds,
                             state="done")
    paths.append(object_storage.local_path(stored.key))
wav.unlink()
print(json.dumps({"key": key, "project": str(project.pk), "paths": paths}))
"""


def _download(base_url: str, path: str, api_key: str) -> tuple[float, int]:
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers={"api-key": api_key})
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"export failed: {response.status} {response.read()[:200]!r}")
    received = 0
    while chunk := response.read(1024 * 1024):
        received += len(chunk)
    return time.perf_counter() - started, received


def _zip_baseline(paths: list[str]) -> tuple[float, int, int]:
    """`zip -0 - files > /dev/null`: seconds, bytes written, peak RSS (kB)."""
    probe = (
        "import resource, subprocess, sys, json, time\n"
        "started = time.perf_counter()\n"
        "with open('/dev/null', 'wb') as sink:\n"
        "    subprocess.run(['zip', '-0', '-q', '-j', '-'] + sys.argv[1:], stdout=sink, check=True)\n"
        "print(json.dumps([time.perf_counter() - started,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n"
    )
    result = subprocess.run(["python3", "-c", probe, *paths], capture_output=True, text=True, check=True, timeout=1800)
    seconds, peak_kb = json.loads(result.stdout)
    return seconds, sum(Path(p).stat().st_size for p in paths), peak_kb


def run() -> list[dict]:
    count = max(1, TOTAL_MB // FILE_MB)
    setup_code = SETUP.replace("FILE_MB", str(FILE_MB)).replace("COUNT", str(count))
    with running_server(workers=1, threads=2) as server:
        data_dir = server.env["VOICEPLATFORM_DATA_DIR"]
        setup = server.django(setup_code)
        path = f"/api/projects/{setup['project']}/export"
        pids = serving_pids(data_dir)
        # Warm up the worker on a small request so imports are not counted as export memory.
        conn = http.client.HTTPConnection(*server.base_url.removeprefix("http://").split(":"), timeout=30)
        conn.request("GET", "/api/projects", headers={"api-key": setup["key"]})
        conn.getresponse().read()
        before = {pid: proc_status_kb(pid, "VmRSS") for pid in pids}
        seconds, received = _download(server.base_url, path, setup["key"])
        growth_kb = max(proc_status_kb(pid, "VmHWM") - before[pid] for pid in pids)
        peak_kb = max(proc_status_kb(pid, "VmHWM") for pid in pids)
        zip_seconds, stored_bytes, zip_peak_kb = _zip_baseline(setup["paths"])
    # The gigabyte of sample recordings is not worth keeping after the run.
    shutil.rmtree(data_dir, ignore_errors=True)
    megabytes = stored_bytes / 1024 / 1024
    note = f"{count} WAV files, {megabytes:.0f} MB stored; baseline: zip -0 of the same files to /dev/null"
    return [
        {
            "name": "project export: time",
            "value": round(seconds, 2),
            "unit": "s",
            "baseline": round(zip_seconds, 2),
            "ratio": round(seconds / zip_seconds, 2),
            "note": note,
        },
        {
            "name": "project export: throughput",
            "value": round(received / 1024 / 1024 / seconds, 1),
            "unit": "MB/s",
            "baseline": round(megabytes / zip_seconds, 1),
            "ratio": round((received / seconds) / (stored_bytes / zip_seconds), 2),
            "note": "",
        },
        {
            "name": "project export: peak memory growth of the server",
            "value": round(growth_kb / 1024, 1),
            "unit": "MB",
            "baseline": round(zip_peak_kb / 1024, 1),
            "ratio": round(growth_kb / max(zip_peak_kb, 1), 2),
            "note": f"server peak RSS {peak_kb / 1024:.0f} MB including Django; baseline is zip's whole peak RSS",
        },
        {
            "name": "project export: archive overhead",
            "value": received - stored_bytes,
            "unit": "bytes",
            "baseline": 0,
            "ratio": round(received / stored_bytes, 5),
            "note": "zip headers and data descriptors",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
