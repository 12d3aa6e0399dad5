"""Benchmark helpers: a real gunicorn server on a throwaway data dir (started as `make run` starts
it), HTTP load by wrk, and process memory sampling. Figures are always reported side by side with a
baseline measured in the same run, as ratios."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
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
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=input_text,
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        )
        return result.stdout

    def cpu_seconds(self) -> float:
        """CPU time used so far by this server's processes (honcho, the gunicorn master and workers)."""
        ticks = 0
        for pid in serving_pids(self.env["VOICEPLATFORM_DATA_DIR"], (b"gunicorn", b"honcho")):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def django(self, code: str) -> dict:
        """Run ``code`` in a Django shell of this server's configuration; it must print one JSON line."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])


PROCFILE = ROOT / "Procfile"
# The embedded default, and PostgreSQL + Redis (its database is made afresh for each run).
POSTGRES_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/voiceplatform_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CONFIGURATIONS = {
    "embedded (SQLite, file cache)": {},
    "PostgreSQL + Redis": {"DATABASE_URL": POSTGRES_URL, "REDIS_URL": REDIS_URL},
}


def _fresh_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _web_command(workers: int | None, threads: int | None) -> str:
    """The Procfile's web line (what `make run` starts), with the process counts overridden if asked."""
    line = next(line for line in PROCFILE.read_text().splitlines() if line.startswith("web:"))
    command = line.split(":", 1)[1].strip()
    if workers is not None:
        command += f" --workers {workers}"
    if threads is not None:
        command += f" --threads {threads}"
    return command


@contextmanager
def running_server(workers: int | None = None, threads: int | None = None, extra_env: dict | None = None):
    """gunicorn started as `make run` starts it: the Procfile's web line under honcho (its access
    log goes through honcho as it does there), on a throwaway data dir."""
    data_dir = tempfile.mkdtemp(prefix="vp-bench-")
    env = {
        **os.environ,
        "VOICEPLATFORM_DATA_DIR": data_dir,
        "THROTTLE_AUTH": "1000000/minute",
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": f"bench-{os.getpid()}",
        **(extra_env or {}),
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        if name not in (extra_env or {}):
            env.pop(name, None)
    if "DATABASE_URL" in env:
        _fresh_postgres_database(env["DATABASE_URL"])
    port = free_port()
    env["PORT"] = str(port)
    server = Server(f"http://127.0.0.1:{port}", env)
    server.manage("migrate", "--noinput", "-v", "0")
    procfile = Path(data_dir) / "Procfile"
    procfile.write_text(f"web: {_web_command(workers, threads)}\n")
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "honcho"), "-f", str(procfile), "-d", str(ROOT), "start", "web"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
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
        process.wait(timeout=30)


@dataclass
class WrkResult:
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    # The server's CPU milliseconds per request: unlike req/s, it does not move when other work
    # shares the machine (a database or Redis server's own CPU is not in it).
    cpu_ms: float = 0.0


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS_MS[unit]


def wrk(
    url: str, headers: dict | None = None, connections: int = 8, seconds: int = 5, server: Server | None = None
) -> WrkResult:
    """Closed-loop keep-alive load by wrk (a C client, so the client is not what is measured);
    with ``server``, its CPU time per request too."""
    cpu_before = server.cpu_seconds() if server else 0.0
    # A 30 s timeout, as the Python client had: wrk's own 2 s counts a slow page as an error.
    command = [
        "wrk",
        "--latency",
        "--timeout",
        "30s",
        "-t",
        str(min(2, connections)),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    requests, took = re.search(r"(\d+) requests in ([\d.]+)(s|m)", out).group(1, 2)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    cpu = (server.cpu_seconds() - cpu_before) if server else 0.0
    return WrkResult(
        requests=int(requests),
        errors=errors,
        seconds=float(took),
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        p99_ms=_ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        cpu_ms=cpu * 1000 / max(int(requests), 1),
    )


def compare(name: str, measured: WrkResult, baseline: WrkResult, note: str = "") -> list[dict]:
    """One row: req/s and p99 of ``measured``, as a ratio of ``baseline`` measured in the same run."""
    errors = f"; {measured.errors} errors" if measured.errors else ""
    cpu = ""
    if measured.cpu_ms:
        cpu = f"; server CPU {measured.cpu_ms:.2f} ms/req, CPU ratio {baseline.cpu_ms / measured.cpu_ms:.2f}"
    return [
        {
            "name": name,
            "value": round(measured.rps),
            "unit": "req/s",
            "baseline": round(baseline.rps),
            "ratio": round(measured.rps / baseline.rps, 2),
            "note": f"p99 {measured.p99_ms:.1f} ms{cpu}{errors}{note}",
        }
    ]


def serving_pids(data_dir: str, names: tuple[bytes, ...] = (b"gunicorn",)) -> list[int]:
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
        if f"VOICEPLATFORM_DATA_DIR={data_dir}".encode() in environ and any(name in cmdline for name in names):
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
