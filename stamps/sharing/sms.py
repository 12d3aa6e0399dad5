"""SMS backends: a file backend for the embedded default and a Twilio-style HTTP one.

``sms_backend()`` picks the one ``settings.STAMPS_SMS_BACKEND`` names. ``send`` returns
the provider's message id; it raises ``SmsRejected`` when retrying cannot help (the
provider refused the message) and ``SmsUnavailable`` when it may (network, 5xx, 429).
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import requests
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


class SmsRejected(Exception):
    """The provider refused the message; sending it again would fail the same way."""


class SmsUnavailable(Exception):
    """The provider could not be reached or asked us to come back later."""


class FileSmsBackend:
    """Writes each message as a JSON file under STAMPS_SMS_FILE_DIR (like Django's file email backend)."""

    def send(self, to: str, body: str) -> str:
        message_id = f"file-{uuid.uuid4().hex}"
        directory = Path(settings.STAMPS_SMS_FILE_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        record = {
            "id": message_id,
            "to": to,
            "from": settings.STAMPS_SMS_FROM,
            "body": body,
            "created_at": timezone.now().isoformat(),
        }
        path = directory / f"{message_id}.json"
        # Written under a temporary name and renamed, so a reader never sees half a message.
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(record, ensure_ascii=False))
        partial.rename(path)
        return message_id


class HttpSmsBackend:
    """POST {API_URL}/Accounts/{sid}/Messages.json with To, From, Body (form encoded, basic auth)."""

    def send(self, to: str, body: str) -> str:
        url = f"{settings.STAMPS_SMS_API_URL}/Accounts/{settings.STAMPS_SMS_ACCOUNT_SID}/Messages.json"
        try:
            response = requests.post(
                url,
                data={"To": to, "From": settings.STAMPS_SMS_FROM, "Body": body},
                auth=(settings.STAMPS_SMS_ACCOUNT_SID, settings.STAMPS_SMS_AUTH_TOKEN),
                timeout=settings.STAMPS_SMS_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise SmsUnavailable(f"SMS provider unreachable: {exc.__class__.__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise SmsUnavailable(f"SMS provider answered {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400:
            detail = data.get("message") if isinstance(data, dict) else None
            raise SmsRejected(
                f"SMS provider refused the message ({response.status_code}): {detail or 'no reason given'}"
            )
        # Accepted: never retry from here on, or the recipient could get the message twice.
        return str(data.get("sid") or "")[:100] if isinstance(data, dict) else ""


BACKENDS = {"file": FileSmsBackend, "http": HttpSmsBackend}


def sms_backend():
    return BACKENDS[settings.STAMPS_SMS_BACKEND]()
