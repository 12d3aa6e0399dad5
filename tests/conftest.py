"""Fixtures shared by every app's tests: users and clients, a real Celery worker,
an S3 server (moto over HTTP), an SMTP server (aiosmtpd) and generated media."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parent.parent


# --- users and clients ----------------------------------------------------------------
@pytest.fixture
def make_user(db):
    from accounts.models import CreditAccount, User

    def make(email=None, password="correct horse battery staple", **extra):
        user = User.objects.create_user(
            email=email or f"user-{uuid.uuid4().hex[:8]}@example.com", password=password, **extra
        )
        CreditAccount.objects.get_or_create(user=user)
        return user

    return make


@pytest.fixture
def user(make_user):
    return make_user(email="alice@example.com", display_name="Alice Example")


@pytest.fixture
def other_user(make_user):
    return make_user(email="bob@example.com", display_name="Bob Other")


@pytest.fixture
def staff_user(make_user):
    return make_user(email="staff@example.com", display_name="Staff Person", is_staff=True)


def bearer_client(user) -> APIClient:
    from accounts.tokens import issue_tokens

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user).access}")
    return client


@pytest.fixture
def admin_user(make_user):
    """A superuser (replaces pytest-django's, which knows nothing of credit accounts)."""
    return make_user(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    """Django's test client logged in to the admin as ``admin_user``."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def client_for():
    """``client_for(user)``: an API client authenticated with the user's Bearer token."""
    return bearer_client


@pytest.fixture
def api(user):
    return bearer_client(user)


@pytest.fixture
def anon():
    return APIClient()


# --- the cache ---------------------------------------------------------------------------
def clear_cache() -> None:
    """Empty this test run's cache entries. On Redis, ``cache.clear()`` flushes the whole database,
    the entries of other runs and of parallel xdist workers included; their keys carry other prefixes."""
    from django.core.cache import cache

    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith("RedisCache"):
        cache.clear()  # the file cache lives in this run's own data dir
        return
    import redis

    client = redis.Redis.from_url(config["LOCATION"])
    try:
        keys = list(client.scan_iter(match=f"{config['KEY_PREFIX']}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# --- waiting on background work -------------------------------------------------------
def wait_until(predicate, timeout: float = 60, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def wait_for_script(page, expression: str, timeout: float = 30):
    """Wait until a JavaScript expression is true in a Playwright page. Playwright's own
    ``wait_for_function`` polls with eval inside the page, which our Content-Security-Policy
    refuses; ``page.evaluate`` runs through the DevTools protocol, which the policy allows."""
    return wait_until(lambda: page.evaluate(expression), timeout=timeout, interval=0.05, message=expression)


# --- a real Celery worker ---------------------------------------------------------------
def database_url_for_subprocesses() -> str:
    """The URL of the test database, for processes the tests start (workers, gunicorn)."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    """A `celery worker` subprocess on the test database, consuming one queue and (unless
    ``media=False``) its media queue."""

    def __init__(
        self,
        extra_env: dict | None = None,
        concurrency: int = 1,
        queue: str | None = None,
        include: str | None = None,
        media: bool = True,
    ):
        database_url = database_url_for_subprocesses()
        self.queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            **(extra_env or {}),
        }
        self.hostname = f"test-{uuid.uuid4().hex[:6]}@%h"
        self.concurrency = concurrency
        self.include = include
        self.media = media
        self.process: subprocess.Popen | None = None
        self.lines: list[str] = []
        self._ready = threading.Event()

    def start(self, timeout: float = 90) -> "WorkerProcess":
        from core.jobs import media_queue

        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "voiceplatform",
                "worker",
                "--loglevel",
                "INFO",
                "-Q",
                f"{self.queue},{media_queue(self.queue)}" if self.media else self.queue,
                "--concurrency",
                str(self.concurrency),
                "--hostname",
                self.hostname,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *(["--include", self.include] if self.include else []),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError("celery worker did not start:\n" + "\n".join(self.lines[-40:]))
        _running_workers.append(self)
        return self

    def _pump(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip())
            if " ready." in line:
                self._ready.set()

    def child_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self):
        if self in _running_workers:
            _running_workers.remove(self)
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_running_workers: list[WorkerProcess] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that ran jobs shows what its workers logged: a job's own error is often
    only there (the API shows clients a safe message)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for worker in _running_workers:
            report.sections.append((f"celery worker {worker.hostname}", "\n".join(worker.lines[-60:])))


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real worker process for the whole session. Tests using it need
    ``@pytest.mark.django_db(transaction=True)`` so the worker sees their rows."""
    with django_db_blocker.unblock():
        worker = WorkerProcess().start()
    yield worker
    worker.stop()


@pytest.fixture
def start_worker(django_db_blocker):
    """Start workers with their own env (e.g. S3 or SMTP settings), stopped after the test.

    They consume a queue of their own and the test publishes to it for its duration, so the
    session-wide worker (other settings) never takes their jobs."""
    from voiceplatform.celery import app

    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{uuid.uuid4().hex[:8]}"
    session_queue = app.conf.task_default_queue
    workers = []

    def start(extra_env=None, concurrency=1, include=None, media=True):
        app.conf.task_default_queue = queue
        with django_db_blocker.unblock():
            worker = WorkerProcess(extra_env, concurrency, queue, include, media).start()
        workers.append(worker)
        return worker

    yield start
    app.conf.task_default_queue = session_queue
    for worker in workers:
        worker.stop()


# --- the web server, as deployed ---------------------------------------------------------
@pytest.fixture
def start_gunicorn(tmp_path):
    """Start gunicorn (our gunicorn.conf.py) on the test database; returns its base URL."""
    import requests

    processes = []

    def start(extra_env: dict | None = None) -> str:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_subprocesses(),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"metrics-{port}"),
            **(extra_env or {}),
        }
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "gunicorn.conf.py",
                    "voiceplatform.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        url = f"http://127.0.0.1:{port}"

        def answers():
            try:
                return requests.get(f"{url}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_until(answers, timeout=90, message="gunicorn to serve")
        return url

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


# --- faults of our own making ------------------------------------------------------------
@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own on a spare port (the fault tests stop and restart it)."""
    from tests.faults import RedisServer

    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def black_hole():
    """A server that accepts connections and never answers."""
    from tests.faults import BlackHole

    hole = BlackHole()
    yield hole
    hole.close()


# --- S3 through a moto server over HTTP -------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_server():
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("moto_server did not start")
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_settings(moto_server):
    """Settings (and environment for worker processes) pointing storage at a fresh bucket."""
    import boto3

    bucket = f"test-{uuid.uuid4().hex[:10]}"
    boto3.client(
        "s3",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": moto_server,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": True,
                "signature_version": "s3v4",
                "max_memory_size": 8 * 1024 * 1024,
            },
        },
    }
    env = {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": moto_server,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    return {"bucket": bucket, "endpoint": moto_server, "STORAGES": storages, "env": env}


@pytest.fixture
def s3_storage(s3_settings, settings):
    """Switch this test's storage to S3 on the moto server."""
    settings.STORAGES = s3_settings["STORAGES"]
    return s3_settings


@pytest.fixture
def local_storage(settings, tmp_path):
    """A fresh local-disk storage root for this test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/media/"},
        },
    }
    return tmp_path / "media"


# --- SMTP through aiosmtpd --------------------------------------------------------------
class _Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        from email import message_from_bytes, policy

        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": message_from_bytes(envelope.content, policy=policy.default),
            }
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on localhost; Django's email backend points at it."""
    from aiosmtpd.controller import Controller

    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    handler.env = {"EMAIL_URL": f"smtp://127.0.0.1:{controller.port}"}
    yield handler
    controller.stop()


# --- generated media --------------------------------------------------------------------
@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speech_wav(media_dir):
    from tests.media import speech_wav as make

    return make(media_dir / "speech.wav")


@pytest.fixture(scope="session", autouse=True)
def _require_engines():
    missing = [tool for tool in ("ffmpeg", "ffprobe", "espeak-ng") if shutil.which(tool) is None]
    if missing:
        pytest.exit(f"missing system tools {missing}: run `make test`, which installs them", returncode=3)


# --- a real browser (Debian's chromium driven by Playwright) ------------------------------
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium. Use with pytest-django's ``live_server`` and a transactional db."""
    if not Path(CHROMIUM).exists():
        pytest.exit("chromium is missing: run `make test`, which installs it", returncode=3)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


# --- an external OpenID Connect issuer (RSA key + JWKS served over HTTP) ---------------------
class OidcIssuer:
    def __init__(self, issuer: str, audience: str, jwks_url: str, private_key, kid: str):
        self.issuer, self.audience, self.jwks_url = issuer, audience, jwks_url
        self._private_key, self.kid = private_key, kid

    def token(
        self,
        *,
        subject="00000000-aaaa-bbbb-cccc-000000000001",
        name="Entra User",
        roles=(),
        expires_in=600,
        audience=None,
        issuer=None,
        key=None,
        **claims,
    ) -> str:
        import jwt

        now = int(time.time())
        payload = {
            "iss": issuer or self.issuer,
            "aud": audience or self.audience,
            "oid": subject,
            "sub": subject,
            "name": name,
            "roles": list(roles),
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
            **claims,
        }
        return jwt.encode(payload, key or self._private_key, algorithm="RS256", headers={"kid": self.kid})


@pytest.fixture
def oidc_issuer(settings):
    """A local issuer whose JWKS is served by a real HTTP server; settings point at it."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = uuid.uuid4().hex
    jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(jwks)))
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    jwks_url = f"http://127.0.0.1:{server.server_address[1]}/discovery/v2.0/keys"
    issuer = f"https://login.example-entra.test/{uuid.uuid4()}/v2.0"
    settings.OIDC_ISSUER = issuer
    settings.OIDC_AUDIENCE = "api://voiceplatform"
    settings.OIDC_JWKS_URL = jwks_url
    settings.OIDC_ROLE_CLAIM = "roles"
    settings.OIDC_ADMIN_ROLE = "VoiceGallery.Admin"
    yield OidcIssuer(issuer, settings.OIDC_AUDIENCE, jwks_url, private_key, kid)
    server.shutdown()


# --- a webhook receiver -------------------------------------------------------------------
class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST, verifies its signature and answers
    ``answers[n]`` to the n-th request (then the last one), optionally after a delay."""

    def __init__(self, answers=(204,), delay: float = 0.0, headers=None):
        self.answers = list(answers)
        self.delay = delay
        self.extra_headers = headers or {}
        self.secret: str | None = None
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                from standardwebhooks import Webhook, WebhookVerificationError

                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except (WebhookVerificationError, TypeError, ValueError):
                    verified = False
                receiver.requests.append({"path": self.path, "headers": headers, "body": body, "verified": verified})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.answers[min(len(receiver.requests) - 1, len(receiver.answers) - 1)]
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/voice?team=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    """``receiver_factory(answers=(500, 204))``: webhook receivers on 127.0.0.1, closed after the test."""
    receivers = []

    def make(**kwargs):
        receiver = Receiver(**kwargs)
        receivers.append(receiver)
        return receiver

    yield make
    for receiver in receivers:
        receiver.close()
