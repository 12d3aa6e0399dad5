"""Prometheus metrics at GET /metrics (prometheus-client).

Two sources, chosen so every number is right however many processes serve and work:

- HTTP requests and their latency are counted where they happen, in the web process. Under
  gunicorn with several workers (gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR and clears it at
  start), prometheus-client's multiprocess mode adds up every worker's files at scrape time.
- Jobs, queue wait and run time, webhook deliveries and credits are facts in the database, so they
  are computed from it at scrape time (``DatabaseCollector``): the same answer from any web process,
  with Celery workers on other hosts, and nothing lost when a worker restarts.

Access: loopback clients (as ``core.throttles.client_address`` sees them), or anyone sending
``Authorization: Bearer $METRICS_TOKEN`` when that setting is set.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .dialects import dialect_for_path
from .models import Job, WebhookAttempt, WebhookDelivery
from .throttles import client_address

# Registered per scrape (``_registry``), not in prometheus-client's global registry.
HTTP_REQUESTS = Counter(
    "voiceplatform_http_requests",
    "HTTP requests answered, by API, method and status.",
    ["api", "method", "status"],
    registry=None,
)
HTTP_LATENCY = Histogram(
    "voiceplatform_http_request_duration_seconds",
    "Time to answer an HTTP request, by API.",
    ["api", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=None,
)
# Media jobs take from a second to many minutes.
JOB_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def api_of(path: str) -> str:
    if path == "/metrics":
        return "metrics"
    dialect = dialect_for_path(path)
    if dialect is not None:
        return dialect.name
    if path.startswith("/admin/"):
        return "admin"
    return "other"


class MetricsMiddleware:
    """Counts every response (the API's dialect name is the label, never the path: bounded series)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        api = api_of(request.path)
        method = request.method if request.method in METHODS else "other"
        HTTP_REQUESTS.labels(api, method, str(response.status_code)).inc()
        HTTP_LATENCY.labels(api, method).observe(time.perf_counter() - started)
        return response


def _histogram(name: str, documentation: str, queryset, duration, label: str):
    """A Prometheus histogram of ``duration`` (an expression) over ``queryset``, one series per ``label``."""
    queryset = queryset.annotate(seconds=ExpressionWrapper(duration, output_field=DurationField()))
    aggregates = {
        f"le_{index}": Count("pk", filter=Q(seconds__lte=timedelta(seconds=bound)))
        for index, bound in enumerate(JOB_BUCKETS)
    }
    aggregates["count"] = Count("pk")
    aggregates["total"] = Sum("seconds")
    family = HistogramMetricFamily(name, documentation, labels=[label])
    for row in queryset.values(label).annotate(**aggregates).order_by(label):
        buckets = [(str(float(bound)), row[f"le_{index}"]) for index, bound in enumerate(JOB_BUCKETS)]
        buckets.append(("+Inf", row["count"]))
        total = row["total"].total_seconds() if row["total"] is not None else 0.0
        family.add_metric([row[label]], buckets, total)
    return family


class DatabaseCollector:
    """Jobs, queue wait and run time, webhook deliveries and credits, read from the database."""

    def collect(self):
        jobs = GaugeMetricFamily(
            "voiceplatform_jobs", "Jobs in the database, by kind and state.", labels=["kind", "state"]
        )
        for row in Job.objects.values("kind", "state").annotate(n=Count("pk")).order_by("kind", "state"):
            jobs.add_metric([row["kind"], row["state"]], row["n"])
        yield jobs

        started = Job.objects.filter(started_at__isnull=False)
        yield _histogram(
            "voiceplatform_job_queue_wait_seconds",
            "From a job's creation to its first start.",
            started,
            F("started_at") - F("created_at"),
            "kind",
        )
        yield _histogram(
            "voiceplatform_job_run_seconds",
            "From a finished job's first start to its end.",
            started.filter(finished_at__isnull=False),
            F("finished_at") - F("started_at"),
            "kind",
        )

        attempts = CounterMetricFamily(
            "voiceplatform_webhook_attempts", "Webhook delivery attempts, by outcome.", labels=["outcome"]
        )
        counts = WebhookAttempt.objects.aggregate(
            ok=Count("pk", filter=Q(succeeded=True)), not_ok=Count("pk", filter=Q(succeeded=False))
        )
        attempts.add_metric(["succeeded"], counts["ok"])
        attempts.add_metric(["failed"], counts["not_ok"])
        yield attempts
        deliveries = GaugeMetricFamily(
            "voiceplatform_webhook_deliveries", "Webhook deliveries, by state.", labels=["state"]
        )
        by_state = dict(WebhookDelivery.objects.values_list("state").annotate(n=Count("pk")).order_by())
        for state in WebhookDelivery.State.values:
            deliveries.add_metric([state], by_state.get(state, 0))
        yield deliveries

        yield from self._credits()

    def _credits(self):
        # The two ledgers belong to accounts and partners; read here by name so core stays below them.
        credit_entry = apps.get_model("accounts", "CreditEntry")
        spent = CounterMetricFamily(
            "voiceplatform_credits",
            "Credits moved through the users' ledger, by kind (charge: spent; refund: given back; grant: added).",
            labels=["kind"],
        )
        totals = dict(credit_entry.objects.values_list("kind").annotate(total=Sum("amount")).order_by())
        for kind in credit_entry.Kind.values:
            spent.add_metric([kind], float(totals.get(kind) or 0))
        yield spent
        ledger_entry = apps.get_model("partners", "LedgerEntry")
        charged = CounterMetricFamily(
            "voiceplatform_partner_credits", "Amounts in the partners' ledger, by kind.", labels=["kind"]
        )
        totals = dict(ledger_entry.objects.values_list("kind").annotate(total=Sum("amount")).order_by())
        for kind in ledger_entry.Kind.values:
            charged.add_metric([kind], float(totals.get(kind) or 0))
        yield charged


def _registry():
    """This scrape's registry: the HTTP metrics of every web process, and the database's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for collector in (HTTP_REQUESTS, HTTP_LATENCY):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return registry


def _allowed(request) -> tuple[bool, int]:
    token = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
            return True, 200
    try:
        loopback = ipaddress.ip_address(client_address(request)).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return True, 200
    return False, 401 if token else 403


def metrics_view(request):
    allowed, status = _allowed(request)
    if not allowed:
        response = HttpResponse(
            "Forbidden\n" if status == 403 else "Unauthorized\n", status=status, content_type="text/plain"
        )
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
