"""Delivering one webhook: sign, check the destination, POST, record the attempt, retry or give up.

- Signature (Standard Webhooks): ``webhook-signature: v1,<base64 HMAC-SHA256 of
  "{webhook-id}.{webhook-timestamp}.{body}">`` keyed with the base64-decoded secret.
- SSRF: the host is resolved at delivery time and every address checked; the connection goes
  to the checked address (no second lookup an attacker could answer differently). Loopback,
  private, link-local, multicast and reserved addresses are refused unless
  WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS; cloud metadata addresses always.
- Short timeouts, no redirects followed, at most a few KB of the answer read.
- A 2xx answer is success. Otherwise the next attempt follows WEBHOOKS_RETRY_SCHEDULE; after
  the last, the delivery fails, the endpoint is disabled and its owner emailed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ..request_ids import bound_request_id
from . import events

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
# AWS/GCP/Azure (169.254.169.254), AWS IPv6 and Alibaba metadata services: never a destination.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}
ANSWER_BYTES_READ = 4096
USER_AGENT = "voiceplatform-webhooks/1"


class DestinationRefused(Exception):
    """The endpoint's address is not one we send to."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _refused_address(address) -> str | None:
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if settings.WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS:
        return None
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or address.is_reserved or address.is_multicast or address.is_unspecified:
        return "a private or reserved address"
    if not address.is_global:
        return "not a public address"
    return None


def check_url(url: str) -> None:
    """What can be said without resolving: scheme, host, and literal addresses."""
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS else ("https",)
    if parts.scheme not in allowed:
        raise DestinationRefused(f"The URL must use {' or '.join(allowed)}.")
    if not parts.hostname:
        raise DestinationRefused("The URL has no host.")
    if parts.username or parts.password:
        raise DestinationRefused("The URL must not carry credentials.")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return
    reason = _refused_address(literal)
    if reason:
        raise DestinationRefused(f"The URL's host is {reason}.")


def resolve_destination(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, checked address): every address the host resolves to must pass."""
    check_url(url)
    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname
    port = parts.port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DestinationRefused(f"The host does not resolve: {exc}") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        reason = _refused_address(address)
        if reason:
            raise DestinationRefused(f"The host resolves to {reason}.")
        addresses.append(str(address))
    if not addresses:
        raise DestinationRefused("The host does not resolve.")
    return scheme, host, port, addresses[0]


def post(url: str, body: bytes, headers: dict) -> int:
    """POST to the checked address of ``url``; returns the status. Raises DestinationRefused or
    urllib3 errors (timeouts, refused connections)."""
    scheme, host, port, address = resolve_destination(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = urllib3.Timeout(connect=settings.WEBHOOKS_CONNECT_TIMEOUT, read=settings.WEBHOOKS_READ_TIMEOUT)
    host_header = host if port in (80, 443) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port in (80, 443) else f"[{host}]:{port}"
    common = {"timeout": timeout, "retries": False, "maxsize": 1}
    if scheme == "https":
        # Connect to the checked address, but verify the certificate for the host name.
        pool = urllib3.HTTPSConnectionPool(
            address, port, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED", **common
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **common)
    with pool:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            response.read(ANSWER_BYTES_READ)
        finally:
            response.release_conn()
        return response.status


def retry_delay(attempts: int) -> int | None:
    """Seconds before the next attempt after ``attempts`` tries, or None when they are used up."""
    schedule = settings.WEBHOOKS_RETRY_SCHEDULE
    return schedule[attempts - 1] if attempts - 1 < len(schedule) else None


def _claim(delivery_id) -> WebhookDelivery | None:
    """Take the delivery for one attempt; a duplicate message or a second worker finds nothing to do."""
    now = timezone.now()
    lock_until = now + timedelta(seconds=settings.WEBHOOKS_CONNECT_TIMEOUT + settings.WEBHOOKS_READ_TIMEOUT + 60)
    with transaction.atomic():
        claimed = WebhookDelivery.objects.filter(
            pk=delivery_id,
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=now,
        ).update(next_attempt_at=lock_until)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "endpoint__user").get(pk=delivery_id)


def deliver(delivery_id) -> WebhookDelivery | None:
    """Make one attempt of a pending, due delivery and record what came of it."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    with bound_request_id(delivery.request_id):
        return _attempt(delivery)


def _attempt(delivery: WebhookDelivery) -> WebhookDelivery:
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        return _finish(delivery, WebhookDelivery.State.FAILED)
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(endpoint.secret, delivery.message_id, timestamp, body),
    }
    started = time.monotonic()
    status, error = None, ""
    try:
        status = post(endpoint.url, body, headers)
    except DestinationRefused as exc:
        error = str(exc)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    succeeded = status is not None and 200 <= status < 300
    if status is not None and not succeeded:
        error = f"answered {status}"
    WebhookAttempt.objects.create(
        delivery=delivery, response_status=status, duration_ms=duration_ms, error=error[:255], succeeded=succeeded
    )
    delivery.attempts += 1
    if succeeded:
        logger.info("webhook %s delivered to %s (%s in %s ms)", delivery.message_id, endpoint.url, status, duration_ms)
        return _finish(delivery, WebhookDelivery.State.SUCCEEDED)
    delay = retry_delay(delivery.attempts)
    logger.warning(
        "webhook %s to %s failed (attempt %s): %s", delivery.message_id, endpoint.url, delivery.attempts, error
    )
    if delay is None:
        _finish(delivery, WebhookDelivery.State.FAILED)
        disable_endpoint(endpoint, f"Deliveries kept failing ({delivery.attempts} attempts; last: {error})"[:255])
        return delivery
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts, next_attempt_at=delivery.next_attempt_at
    )
    if delay <= settings.WEBHOOKS_COUNTDOWN_MAX:
        # Short waits ride on the message; longer ones are picked up by beat (send_due_deliveries),
        # so no message sits in a broker for hours past its visibility timeout.
        events.send_delivery_task(delivery.pk, countdown=delay)
    return delivery


def _finish(delivery: WebhookDelivery, state: str) -> WebhookDelivery:
    delivery.state = state
    delivery.finished_at = timezone.now()
    delivery.next_attempt_at = None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=state, attempts=delivery.attempts, finished_at=delivery.finished_at, next_attempt_at=None
    )
    return delivery


def disable_endpoint(endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop sending to a dead endpoint and tell its owner, once."""
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(enabled=False, disabled_reason=reason):
        return
    address = endpoint.contact_email or (endpoint.user.email if endpoint.user_id else "")
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
    if address:
        send_mail(
            subject="Your webhook endpoint was disabled",
            message=(
                f"We could not deliver events to {endpoint.url} and have stopped sending to it.\n\n"
                f"Reason: {reason}\n\nFix the endpoint, then enable it again (PATCH with "
                f'{{"enabled": true}}); failed deliveries can be re-sent by our staff.\n'
            ),
            from_email=None,
            recipient_list=[address],
        )


def send_due_deliveries() -> int:
    """Beat: send the deliveries whose next attempt is due (retries waiting longer than a countdown)."""
    due = list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:500]
    )
    for delivery_id in due:
        events.send_delivery_task(delivery_id)
    return len(due)


def resend(delivery: WebhookDelivery) -> WebhookDelivery:
    """Staff: send a delivery's event again as a new message (the endpoint is enabled again)."""
    endpoint = delivery.endpoint
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=True, disabled_reason="")
    return events.queue_delivery(endpoint, delivery.event_type, delivery.payload, request_id=delivery.request_id)
