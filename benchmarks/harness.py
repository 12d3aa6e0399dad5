"""Benchmark helpers: a real gunicorn server on a throwaway data dir, a keep-alive load
generator, and process memory sampling. Figures are always reported side by side with a
baseline measured in the same run, as ratios."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base_url: str
    env: dict

    def manage(self, *args: str, input_text: str | None = None) -> str:
        result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, input=input_text,
                                capture_output=True, text=True, check=True, timeout=900)
        return result.stdout

    def django(self, code: str) -> dict:
        """Run ``code`` in a Django shell of this server's configuration; it must print one JSON line."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])


@contextmanager
def running_server(workers: int = 2, threads: int = 4, extra_env: dict | None = None):
    data_dir = tempfile.mkdtemp(prefix="vp-bench-")
    env = {
        **os.environ,
        "VOICEPLATFORM_DATA_DIR": data_dir,
        "THROTTLE_AUTH": "1000000/minute",
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    env.pop("DATABASE_URL", None) if "DATABASE_URL" not in (extra_env or {}) else None
    port = free_port()
    server = Server(f"http://127.0.0.1:{port}", env)
    server.manage("migrate", "--noinput", "-v", "0")
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "voiceplatform.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def load(url: str, headers: dict | None = None, concurrency: int = 8, seconds: float = 5.0) -> LoadResult:
    """Closed-loop load: ``concurrency`` keep-alive clients each sending requests back to back."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                ok = False
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(len(latencies), errors[0], time.monotonic() - started, latencies)


def compare(name: str, measured: LoadResult, baseline: LoadResult, note: str = "") -> list[dict]:
    return [
        {"name": f"{name}: requests/s", "value": round(measured.rps, 1), "unit": "req/s",
         "baseline": round(baseline.rps, 1), "ratio": round(measured.rps / baseline.rps, 3), "note": note},
        {"name": f"{name}: p50 latency", "value": round(measured.percentile(0.5), 2), "unit": "ms",
         "baseline": round(baseline.percentile(0.5), 2),
         "ratio": round(measured.percentile(0.5) / baseline.percentile(0.5), 2), "note": ""},
        {"name": f"{name}: p95 latency", "value": round(measured.percentile(0.95), 2), "unit": "ms",
         "baseline": round(baseline.percentile(0.95), 2),
         "ratio": round(measured.percentile(0.95) / baseline.percentile(0.95), 2),
         "note": f"{measured.errors} errors" if measured.errors else ""},
    ]


def serving_pids(data_dir: str) -> list[int]:
    """gunicorn processes of this benchmark's server (found by their data dir)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if f"VOICEPLATFORM_DATA_DIR={data_dir}".encode() in environ and b"gunicorn" in cmdline:
            pids.append(int(proc.name))
    return pids


def proc_status_kb(pid: int, field: str) -> int:
    """A /proc/<pid>/status figure in kB (VmRSS, VmHWM ...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a live process, in MB."""
    return proc_status_kb(pid, "VmHWM") / 1024


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def median_of(samples: list[float]) -> float:
    return statistics.median(samples)
