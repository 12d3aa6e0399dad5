"""Job events: ``job.succeeded`` / ``job.failed`` for every job a user or partner starts.

Domains register a describer per job kind (in their AppConfig.ready); core.jobs calls
``announce_job_outcome`` once when a job ends. The delivery rows are written in the same
transaction as the job's outcome, and sent once it commits, so an event is neither lost
nor announced for an outcome that was rolled back.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Callable

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Job, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

JOB_SUCCEEDED = WebhookEndpoint.Event.JOB_SUCCEEDED
JOB_FAILED = WebhookEndpoint.Event.JOB_FAILED
EVENT_TYPES = tuple(WebhookEndpoint.Event.values)


@dataclass
class JobSubject:
    """What a finished job was about, in the words of the API that started it."""

    api: str
    object_type: str
    object_id: str
    path: str
    user_id: object | None = None
    partner_id: int | None = None
    result_paths: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{settings.PUBLIC_BASE_URL}{path}"


Describer = Callable[[Job], "JobSubject | None"]
_describers: dict[str, Describer] = {}


def describe_jobs(kind: str, describer: Describer) -> None:
    """Register how jobs of ``kind`` are announced; the describer returns None to stay silent."""
    _describers[kind] = describer


def described_kinds() -> frozenset[str]:
    """The job kinds whose outcomes are announced (each app registers its own when it loads)."""
    return frozenset(_describers)


def announce_job_outcome(job: Job) -> None:
    """Queue the event of a finished job to every enabled endpoint of its owner that wants it."""
    describer = _describers.get(job.kind)
    if describer is None or job.state not in (Job.State.SUCCEEDED, Job.State.FAILED):
        return
    subject = describer(job)
    if subject is None:
        return
    succeeded = job.state == Job.State.SUCCEEDED
    announce(
        subject,
        JOB_SUCCEEDED if succeeded else JOB_FAILED,
        state=job.state,
        error=job.error,
        job={"id": str(job.pk), "kind": job.kind, "request_id": job.request_id or None},
        request_id=job.request_id,
    )


def announce(
    subject: JobSubject, event_type: str, *, state: str, error: str = "", job: dict | None = None, request_id: str = ""
) -> list[WebhookDelivery]:
    """Queue ``event_type`` about ``subject`` to its owner's enabled endpoints that want it."""
    owner = {"user_id": subject.user_id} if subject.user_id else {"partner_id": subject.partner_id}
    endpoints = [
        endpoint for endpoint in WebhookEndpoint.objects.filter(enabled=True, **owner) if event_type in endpoint.events
    ]
    if not endpoints:
        return []
    payload = {
        "type": event_type,
        "timestamp": timezone.now().isoformat(),
        "data": {
            "api": subject.api,
            "object": {"type": subject.object_type, "id": subject.object_id, "url": subject.url(subject.path)},
            "state": state,
            "error": error or None,
            "results": {name: subject.url(path) for name, path in subject.result_paths.items()}
            if event_type == JOB_SUCCEEDED
            else {},
            "job": job,
        },
    }
    return [queue_delivery(endpoint, event_type, payload, request_id=request_id) for endpoint in endpoints]


def queue_delivery(
    endpoint: WebhookEndpoint, event_type: str, payload: dict, *, request_id: str = ""
) -> WebhookDelivery:
    """Write a pending delivery and send its first attempt once the transaction commits."""
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        message_id=f"msg_{uuid.uuid4().hex}",
        event_type=event_type,
        payload=payload,
        next_attempt_at=timezone.now(),
        request_id=request_id,
    )
    transaction.on_commit(lambda: send_delivery_task(delivery.pk), robust=True)
    return delivery


def send_delivery_task(delivery_id, countdown: float | None = None) -> None:
    current_app.send_task(
        "core.deliver_webhook", args=[str(delivery_id)], countdown=countdown, queue=settings.WEBHOOKS_QUEUE or None
    )
