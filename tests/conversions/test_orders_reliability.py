"""A worker process killed mid-conversion: the job is delivered again (acks_late), the order finishes
once and its credits are charged once."""

import os
import signal

import pytest

from accounts.models import CreditEntry
from accounts.services import grant_credits
from conversions.models import Order, Recording
from core.models import Job
from tests.conftest import wait_until
from tests.media import speech_wav

from .catalogue_factories import make_original, make_voice, tier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

TEXT = (
    "A long enough passage gives the test time to stop the worker in the middle of the conversion. "
    "The job must then be delivered again, finish once, and charge the credits only once."
)


@pytest.fixture
def own_worker(start_worker):
    """A worker on a queue of its own: the test knows which process runs the conversion."""
    return start_worker()


def test_killing_the_worker_mid_conversion_finishes_the_order_once(api, user, staff_user, own_worker, tmp_path):
    tier("basic", 0)
    grant_credits(user, 100)
    voice = make_voice(staff_user, pitch=170, formant_ratio=1.1)
    original = make_original(user, speech_wav(tmp_path / "long.wav", text=TEXT, speed=150))
    response = api.post(
        "/api/v2/orders", {"original_id": str(original.pk), "conversions": [{"voice_id": str(voice.pk)}]}, format="json"
    )
    assert response.status_code == 200, response.json()
    order_id = response.json()[0]["id"]
    balance_after_order = user.credit_account.__class__.objects.get(user=user).balance

    wait_until(
        lambda: Order.objects.get(pk=order_id).state == Order.State.PROCESSING,
        timeout=60,
        interval=0.02,
        message="the conversion to start",
    )
    children = own_worker.child_pids()
    assert len(children) == 1
    os.kill(children[0], signal.SIGKILL)

    wait_until(
        lambda: Order.objects.get(pk=order_id).state in (Order.State.DONE, Order.State.ERROR),
        timeout=180,
        message="the order to finish after the kill",
    )
    order = Order.objects.select_related("conversion", "job").get(pk=order_id)
    assert order.state == Order.State.DONE, order.error
    # Killed on the first delivery, finished on the second.
    assert order.job.attempts == 2 and order.job.state == Job.State.SUCCEEDED
    assert order.conversion.state == Recording.State.DONE and order.conversion.audio_key
    assert order.conversion.duration == pytest.approx(original.duration, rel=0.01)
    assert CreditEntry.objects.filter(kind="charge", reference=order.charge_reference).count() == 1
    assert not CreditEntry.objects.filter(kind="refund").exists()
    assert user.credit_account.__class__.objects.get(user=user).balance == balance_after_order
