"""/v4/partners/webhooks: a partner hears, at its own endpoint, that a talent delivered a job's file."""

import json

import pytest

from core.models import WebhookDelivery
from core.webhooks import delivery as webhook_delivery
from tests.partners.conftest import PREFIX

pytestmark = pytest.mark.django_db


def test_a_delivered_file_is_announced_to_the_partners_endpoint(live_client, receiver_factory, settings, request):
    settings.WEBHOOKS_ALLOW_PRIVATE_DESTINATIONS = True
    receiver = receiver_factory()
    created = live_client.post(
        f"{PREFIX}/webhooks",
        {"url": receiver.url, "events": ["job.succeeded"], "contact_email": "ops@acme.example"},
        format="json",
    )
    assert created.status_code == 201, created.content
    receiver.secret = created.json()["data"]["secret"]

    job = request.getfixturevalue("delivered_job")

    queued = WebhookDelivery.objects.get()
    assert webhook_delivery.deliver(queued.pk).state == "succeeded"
    [sent] = receiver.requests
    assert sent["verified"]
    event = json.loads(sent["body"])
    assert event["type"] == "job.succeeded"
    assert event["data"]["api"] == "partners" and event["data"]["state"] == "delivered"
    assert event["data"]["object"] == {
        "type": "job",
        "id": str(job.pk),
        "url": f"http://testserver{PREFIX}/jobs/{job.pk}",
    }
