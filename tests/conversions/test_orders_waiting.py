"""POST /api/v2/orders for an original that is still rendering (TTS) or still processing (upload):
accepted and charged at once, converted when the original is done, failed and refunded when the
original ends in error. The worker starts only after the order is accepted (``paused_worker``),
so the original is certainly still processing when it is ordered."""

from decimal import Decimal

import pytest

from accounts.models import CreditEntry
from accounts.services import grant_credits
from conversions.models import Order, Recording
from core.media import audio
from core.storage import object_storage
from tests.conftest import wait_until
from tests.conversions.library_helpers import upload_recording, wait_for_state

from .catalogue_factories import make_voice, tier


def balance(user):
    user.credit_account.refresh_from_db()
    return user.credit_account.balance


def finished(order_id):
    return wait_until(
        lambda: Order.objects.filter(pk=order_id, state__in=("done", "error")).first(),
        timeout=180,
        message=f"order {order_id} to finish",
    )


@pytest.fixture
def voice(db, staff_user):
    return make_voice(staff_user, name="Warm", pitch=180, tiers=[tier("basic", 0)])


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_tts_original_ordered_while_it_renders_is_converted_once_rendered(
    api, user, folder, voice, tts_voices, paused_worker, tmp_path
):
    grant_credits(user, 50)
    text = "The quick brown fox jumps over the lazy dog near the river bank."
    original = api.post(
        "/api/v2/recordings/tts", {"parent_folder_id": folder["id"], "text": text, "text_language": "en"}, format="json"
    ).json()
    assert original["state"] == "processing"
    style = voice.narration_styles.get()
    response = api.post(
        "/api/v2/orders",
        {
            "original_id": original["id"],
            "conversions": [{"voice_id": str(voice.pk), "narration_style_id": str(style.pk)}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    order = response.json()[0]
    assert order["state"] == "new" and order["tracking_id"] is None
    # Charged at once on the text's estimated length: 13 words at the TTS voice's 160 words per minute
    # are 4.88 s, at 0.1 credits a second.
    assert Order.objects.get(pk=order["id"]).cost == Decimal("0.49")
    assert balance(user) == Decimal("49.51")
    waiting = api.get(f"/api/recordings/{order['conversion_id']}").json()
    assert waiting["state"] == "processing" and waiting["process_stage"] == "waiting_for_original"

    paused_worker()
    done = finished(order["id"])
    assert done.state == "done", done.error
    assert Recording.objects.get(pk=original["id"]).state == "done"
    conversion = Recording.objects.get(pk=order["conversion_id"])
    assert conversion.state == "done" and conversion.duration > 2
    local = tmp_path / f"converted.{conversion.audio_format}"
    with object_storage.open(conversion.audio_key) as stored:
        local.write_bytes(stored.read())
    assert audio.probe(local).duration == pytest.approx(conversion.duration, abs=0.1)
    assert api.get(f"/api/v2/orders/{order['id']}").json()["tracking_id"] is not None
    assert balance(user) == Decimal("49.51")


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_an_upload_ordered_while_it_is_processed_is_converted_afterwards(
    api, user, folder, voice, library_media, paused_worker
):
    grant_credits(user, 50)
    original = upload_recording(api, folder["id"], library_media["wav"]).json()
    assert original["state"] == "processing"
    response = api.post(
        "/api/v2/orders",
        {
            "original_id": original["id"],
            "conversions": [{"voice_id": str(voice.pk)}, {"voice_id": str(voice.pk), "label": "Second"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    orders = response.json()
    charged = balance(user)
    assert charged < Decimal("50")

    paused_worker()
    for order in orders:
        assert finished(order["id"]).state == "done"
        assert Recording.objects.get(pk=order["conversion_id"]).state == "done"
    assert balance(user) == charged
    assert not CreditEntry.objects.filter(kind="refund").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_an_original_that_fails_fails_its_waiting_conversions_and_refunds_them(
    api, user, folder, voice, speech_wav, paused_worker
):
    grant_credits(user, 50)
    original = upload_recording(api, folder["id"], speech_wav).json()
    # The stored audio is damaged before the worker analyses it: the original will end in error.
    key = Recording.objects.get(pk=original["id"]).audio_key
    object_storage.delete(key)
    object_storage.put_bytes(key, b"RIFF\x00\x00garbage" * 10, "audio/wav")
    response = api.post(
        "/api/v2/orders", {"original_id": original["id"], "conversions": [{"voice_id": str(voice.pk)}]}, format="json"
    )
    assert response.status_code == 200, response.json()
    order = response.json()[0]
    assert balance(user) < Decimal("50")

    paused_worker()
    failed = finished(order["id"])
    assert failed.state == "error"
    assert failed.error == "The original recording failed: The file is not a readable audio file."
    # It failed through its own job, as any conversion does (refund, job.failed webhook).
    assert failed.job is not None and failed.job.state == "failed" and failed.job.error == failed.error
    conversion = wait_for_state(order["conversion_id"], states=("error",))
    assert conversion.error == failed.error
    assert balance(user) == Decimal("50")
    assert CreditEntry.objects.filter(kind="refund", reference=failed.charge_reference).count() == 1
    # Ordering it now is refused at once; retrying by the original's id too, until it is fixed.
    again = api.post(
        "/api/v2/orders", {"original_id": original["id"], "conversions": [{"voice_id": str(voice.pk)}]}, format="json"
    )
    assert again.status_code == 400 and "The original recording failed" in again.json()["detail"]
    assert api.post(f"/api/v2/orders/retry/{original['id']}").status_code == 400

    # The original is fixed (uploaded audio stored again and analysed); a retry by its id converts.
    object_storage.delete(key)
    with open(speech_wav, "rb") as stream:
        object_storage.put(key, stream, "audio/wav")
    Recording.objects.filter(pk=original["id"]).update(state="done", error="", process_stage="done")
    retried = api.post(f"/api/v2/orders/retry/{original['id']}")
    assert retried.status_code == 200, retried.json()
    assert [body["id"] for body in retried.json()] == [order["id"]]
    assert wait_until(lambda: Order.objects.get(pk=order["id"]).state == "done", timeout=180, message="retry")
    assert balance(user) < Decimal("50")
