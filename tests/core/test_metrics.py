"""GET /metrics (core/metrics.py): who may scrape, what it says, and gunicorn's workers added up."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.services import charge_credits, grant_credits, refund_credits
from core.models import Job, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.conftest import ROOT, free_port, wait_until

pytestmark = pytest.mark.django_db


def scrape(client=None, **headers) -> dict:
    """{(name, labels as a sorted tuple): value} of one scrape."""
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return parse(response.content.decode())


def parse(text: str) -> dict:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


# --- who may scrape -----------------------------------------------------------------------------
def test_loopback_may_scrape_and_others_may_not(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200
    outside = Client(REMOTE_ADDR="203.0.113.7").get("/metrics")
    assert outside.status_code == 403 and b"voiceplatform" not in outside.content
    # A forged X-Forwarded-For from an untrusted peer does not make it loopback.
    assert Client(REMOTE_ADDR="203.0.113.7").get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403


def test_with_a_token_others_may_scrape_with_it(settings):
    settings.METRICS_TOKEN = "s3cret-token"
    outside = Client(REMOTE_ADDR="203.0.113.7")
    denied = outside.get("/metrics")
    assert denied.status_code == 401 and denied["WWW-Authenticate"].startswith("Bearer")
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    assert Client().get("/metrics").status_code == 200


# --- what it says -------------------------------------------------------------------------------
def test_http_requests_are_counted_by_api_and_status(api):
    before = scrape()
    Client().get("/api/v1/voicestamps")  # stamps, 401
    Client().get("/api/projects")  # conversions, 401
    api.get("/api/projects")  # conversions, 200
    Client().get("/v4/partners/programs")  # partners, unknown key 404
    after = scrape()

    def grew(api_name, status, by=1):
        name = "voiceplatform_http_requests_total"
        labels = {"api": api_name, "method": "GET", "status": status}
        return value(after, name, **labels) - value(before, name, **labels) == by

    assert grew("stamps", "401") and grew("conversions", "401") and grew("conversions", "200")
    assert grew("partners", "404")
    latency = "voiceplatform_http_request_duration_seconds_count"
    assert (
        value(after, latency, api="conversions", method="GET") - value(before, latency, api="conversions", method="GET")
        == 2
    )


def test_jobs_by_kind_and_state_with_queue_wait_and_run_time():
    now = timezone.now()

    def job(state, wait=None, run=None):
        created = now - timedelta(seconds=600)
        started = created + timedelta(seconds=wait) if wait is not None else None
        finished = started + timedelta(seconds=run) if run is not None else None
        row = Job.objects.create(kind="test.render", task_name="t", state=state)
        Job.objects.filter(pk=row.pk).update(created_at=created, started_at=started, finished_at=finished)

    job("succeeded", wait=1.5, run=2)
    job("succeeded", wait=20, run=40)
    job("failed", wait=3, run=700)
    job("running", wait=4)
    job("queued")
    samples = scrape()
    assert value(samples, "voiceplatform_jobs", kind="test.render", state="succeeded") == 2
    assert value(samples, "voiceplatform_jobs", kind="test.render", state="queued") == 1
    run = "voiceplatform_job_run_seconds_bucket"
    assert value(samples, run, kind="test.render", le="2.5") == 1
    assert value(samples, run, kind="test.render", le="60.0") == 2
    assert value(samples, run, kind="test.render", le="+Inf") == 3
    assert value(samples, "voiceplatform_job_run_seconds_sum", kind="test.render") == pytest.approx(742)
    wait = "voiceplatform_job_queue_wait_seconds_bucket"
    assert value(samples, wait, kind="test.render", le="2.5") == 1
    assert value(samples, wait, kind="test.render", le="5.0") == 3
    assert value(samples, "voiceplatform_job_queue_wait_seconds_count", kind="test.render") == 4


def test_webhook_deliveries_by_outcome_and_credits_spent(user):
    endpoint = WebhookEndpoint.objects.create(
        user=user, url="https://hooks.example.com/", events=["job.failed"], secret="whsec_x"
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, message_id="m", event_type="job.failed", payload={})
    for succeeded in (False, False, True):
        WebhookAttempt.objects.create(delivery=delivery, succeeded=succeeded, response_status=200 if succeeded else 500)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="succeeded")
    grant_credits(user, Decimal("50"))
    charge_credits(user, Decimal("12.50"), reference="order:1")
    charge_credits(user, Decimal("2.25"), reference="order:2")
    refund_credits(user, reference="order:2")
    samples = scrape()
    assert value(samples, "voiceplatform_webhook_attempts_total", outcome="failed") == 2
    assert value(samples, "voiceplatform_webhook_attempts_total", outcome="succeeded") == 1
    assert value(samples, "voiceplatform_webhook_deliveries", state="succeeded") == 1
    assert value(samples, "voiceplatform_credits_total", kind="charge") == pytest.approx(14.75)
    assert value(samples, "voiceplatform_credits_total", kind="refund") == pytest.approx(2.25)


# --- gunicorn with several workers --------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_gunicorn_workers_are_added_up(tmp_path):
    """The Procfile's server: two workers, each counting its own requests; one scrape sees all."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        database_url = f"sqlite:///{db['NAME']}"
    else:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        database_url = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    server = subprocess.Popen(
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
            "2",
            "--threads",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up():
            try:
                return requests.get(f"{base}/healthz", timeout=10).status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, timeout=90, message="gunicorn to serve")
        for _ in range(30):
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        scraped = parse(requests.get(f"{base}/metrics", timeout=10).text)
        served = value(scraped, "voiceplatform_http_requests_total", api="other", method="GET", status="200")
        assert served >= 31  # the 30 and at least the first successful probe
        workers = {path.name for path in (tmp_path / "metrics").glob("counter_*.db")}
        assert workers, "each worker writes its own counter file"
    finally:
        server.terminate()
        server.wait(timeout=30)
