"""POST /api/v2/orders and /api/v2/orders/retry/{recording_id}: validation, credits through the ledger,
and conversions run by the WORLD engine in a real Celery worker."""

import math
import uuid
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import soundfile

from accounts.models import CreditEntry
from accounts.services import grant_credits
from conversions.models import Calibration, NarrationStyle, Order, Recording
from conversions.orders.services import narration_engine_voice
from core.media import audio, vocoder
from core.models import Job
from core.storage import new_key, object_storage
from tests.conftest import wait_until
from tests.media import speech_wav

from .catalogue_factories import make_original, make_voice, subscribe, tier
from .library_helpers import upload_recording, wait_for_state

ORDER_FIELDS = {
    "id",
    "user_id",
    "original_id",
    "conversion_id",
    "transaction_id",
    "moderation_id",
    "calibration_id",
    "tracking_id",
    "f0",
    "state",
    "created_at",
    "closed_at",
    "error",
}


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return speech_wav(
        tmp_path_factory.mktemp("orders") / "speech.wav",
        text="Please convert this sentence into another voice.",
        speed=170,
    )


def balance(user):
    user.credit_account.refresh_from_db()
    return user.credit_account.balance


def cents(measured, expected):
    return abs(1200 * math.log2(measured / expected))


def converted_file(recording, tmp_path) -> Path:
    target = tmp_path / f"{recording.pk}.{recording.audio_format}"
    with object_storage.open(recording.audio_key) as source:
        target.write_bytes(source.read())
    return target


@pytest.fixture
def basic(db):
    return tier("basic", 0)


# --- through a real worker ----------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_an_order_converts_into_each_voice_and_charges_per_second(
    api, user, staff_user, celery_worker, speech, tmp_path, settings, other_user, client_for
):
    settings.CONVERSIONS_PRICE_PER_SECOND = {"basic": "0.5", "pro": "2"}
    basic, pro = tier("basic", 0), tier("pro", 1)
    subscribe(user, pro)
    grant_credits(user, 100)
    low = make_voice(staff_user, name="Low", pitch=90, formant_ratio=0.85, tiers=[basic])
    high = make_voice(staff_user, name="High", pitch=240, formant_ratio=1.25, tiers=[pro], accents=2)
    british = high.accents.get(short_name="A1")
    original = make_original(user, speech)
    body = {
        "original_id": str(original.pk),
        "conversions": [
            {"voice_id": str(low.pk), "label": "Deep"},
            {"voice_id": str(high.pk), "accent_id": str(british.pk), "semitones_correction": -2},
        ],
    }
    response = api.post("/api/v2/orders", body, format="json")
    assert response.status_code == 200, response.json()
    orders = response.json()
    assert len(orders) == 2 and all(set(order) == ORDER_FIELDS for order in orders)
    assert {order["state"] for order in orders} == {"new"}
    assert all(order["original_id"] == str(original.pk) and order["user_id"] == str(user.pk) for order in orders)
    seconds = Decimal(str(original.duration))
    expected_cost = (seconds * Decimal("0.5")).quantize(Decimal("0.01"), rounding="ROUND_UP") + (
        seconds * Decimal("2")
    ).quantize(Decimal("0.01"), rounding="ROUND_UP")
    assert balance(user) == Decimal("100") - expected_cost

    for order in orders:
        wait_until(
            lambda order=order: Order.objects.get(pk=order["id"]).state in ("done", "error"),
            timeout=120,
            message="order to finish",
        )
    source_f0 = vocoder.estimate_f0(speech, algorithm="dio").f0
    outputs = {}
    for order_body, voice, semitones in ((orders[0], low, 0.0), (orders[1], high, british.semitones - 2)):
        order = Order.objects.select_related("conversion").get(pk=order_body["id"])
        conversion = order.conversion
        assert order.state == "done" and order.closed_at and order.error == "", order.error
        assert conversion.type == "converted" and conversion.original_id == original.pk
        assert conversion.state == "done" and conversion.model_id == voice.pk and conversion.model_name == voice.name
        assert conversion.duration == pytest.approx(original.duration, rel=0.01)
        assert order.reference_f0 == pytest.approx(source_f0, rel=0.001)  # auto calibration
        path = converted_file(conversion, tmp_path)
        measured = vocoder.estimate_f0(path, algorithm="dio").f0
        target = voice.pitch * 2 ** (semitones / 12)
        assert cents(order.f0, target) < 1
        assert cents(measured, target) < 30, (measured, target)
        outputs[voice.name] = path
    assert Order.objects.get(pk=orders[0]["id"]).conversion.label == "Deep"
    # Each order reads back with its state, progress and converted recording; only by its owner.
    read = api.get(f"/api/v2/orders/{orders[1]['id']}")
    assert read.status_code == 200
    detail = read.json()
    assert set(detail) == ORDER_FIELDS | {"progress", "conversion"}
    assert detail["state"] == "done" and detail["progress"] == 100 and cents(detail["f0"], target) < 1
    assert detail["conversion"]["id"] == orders[1]["conversion_id"] and detail["conversion"]["state"] == "done"
    assert detail["conversion"]["url"] == f"/api/files/recordings/{orders[1]['conversion_id']}/audio"
    assert client_for(other_user).get(f"/api/v2/orders/{orders[1]['id']}").status_code == 404
    assert api.get(f"/api/v2/orders/{uuid.uuid4()}").json() == {"detail": "Order not found"}
    assert CreditEntry.objects.filter(kind="charge").count() == 2
    assert CreditEntry.objects.filter(kind="refund").count() == 0
    # The account's stats count the conversions and the converted time.
    stats = api.get("/api/stats").json()
    assert stats["conversions"]["completed"] == 2 and stats["conversions"]["failed"] == 0
    assert stats["time_converted"]["total"] == pytest.approx(2 * original.duration, abs=1.5)
    assert {model["id"] for model in stats["models"]} == {str(low.pk), str(high.pk)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_calibration_sets_the_starting_pitch(api, user, staff_user, celery_worker, speech, basic, tmp_path):
    grant_credits(user, 50)
    voice = make_voice(staff_user, pitch=150, formant_ratio=1.0)
    # The speaker says their natural pitch is 20% below what this recording shows: the output is
    # shifted by voice/calibration, so it lands 20% above the voice's pitch.
    source_f0 = vocoder.estimate_f0(speech, algorithm="dio").f0
    calibration = Calibration.objects.create(
        user=user,
        name="Mic",
        audio_key="x",
        audio_format="wav",
        bucket="local",
        state="calibrated",
        f0=round(source_f0 / 1.2, 2),
    )
    original = make_original(user, speech)
    response = api.post(
        "/api/v2/orders",
        {
            "original_id": str(original.pk),
            "use_calibration": True,
            "calibration_id": str(calibration.pk),
            "conversions": [{"voice_id": str(voice.pk)}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()[0]["calibration_id"] == str(calibration.pk)
    order_id = response.json()[0]["id"]
    wait_until(lambda: Order.objects.get(pk=order_id).state in ("done", "error"), timeout=120, message="order")
    order = Order.objects.select_related("conversion").get(pk=order_id)
    assert order.state == "done" and order.reference_f0 == calibration.f0
    assert order.conversion.calibration_id == calibration.pk and order.conversion.calibration_value == calibration.f0
    measured = vocoder.estimate_f0(converted_file(order.conversion, tmp_path), algorithm="dio").f0
    assert cents(measured, 150 * 1.2) < 30


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_tts_original_is_spoken_in_the_narration_style_then_converted(api, user, staff_user, celery_worker, basic):
    grant_credits(user, 50)
    voice = make_voice(staff_user, pitch=200, styles=2)
    style = voice.narration_styles.get(name="Style 1")
    original = make_original(user, None, tts=True, text="A story told in a new voice.")
    missing = api.post(
        "/api/v2/orders", {"original_id": str(original.pk), "conversions": [{"voice_id": str(voice.pk)}]}, format="json"
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "conversions", "0", "narration_style_id"]
    assert Order.objects.count() == 0 and balance(user) == Decimal("50")
    response = api.post(
        "/api/v2/orders",
        {
            "original_id": str(original.pk),
            "conversions": [{"voice_id": str(voice.pk), "narration_style_id": str(style.pk)}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    order_id = response.json()[0]["id"]
    wait_until(lambda: Order.objects.get(pk=order_id).state in ("done", "error"), timeout=120, message="order")
    order = Order.objects.select_related("conversion").get(pk=order_id)
    assert order.state == "done", order.error
    assert order.narration_style_id == style.pk and order.accent_id is None
    assert order.conversion.duration > 1 and order.conversion.tts is True


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_failed_conversion_is_refunded_and_a_retry_charges_again(
    api, user, staff_user, celery_worker, basic, tmp_path, speech
):
    grant_credits(user, 20)
    voice = make_voice(staff_user)
    silence = tmp_path / "silence.wav"
    soundfile.write(silence, np.zeros(22050 * 2, dtype=np.float32), 22050)
    original = make_original(user, silence)
    response = api.post(
        "/api/v2/orders", {"original_id": str(original.pk), "conversions": [{"voice_id": str(voice.pk)}]}, format="json"
    )
    order_id, conversion_id = response.json()[0]["id"], response.json()[0]["conversion_id"]
    charged = balance(user)
    assert charged < Decimal("20")
    wait_until(lambda: Order.objects.get(pk=order_id).state in ("done", "error"), timeout=120, message="order")
    order = Order.objects.select_related("conversion").get(pk=order_id)
    assert order.state == "error" and "No voice" in order.error
    assert order.conversion.state == "error" and "No voice" in order.conversion.error
    assert balance(user) == Decimal("20")
    assert CreditEntry.objects.filter(kind="refund", reference=order.charge_reference).count() == 1

    # The original is fixed (its audio replaced), then the failed conversion is retried.
    with open(speech, "rb") as stream:
        stored = object_storage.put(new_key("tests/fixed", "wav"), stream, "audio/wav")
    Recording.objects.filter(pk=original.pk).update(audio_key=stored.key, duration=audio.probe(speech).duration)
    retried = api.post(f"/api/v2/orders/retry/{conversion_id}")
    assert retried.status_code == 200, retried.json()
    assert retried.json()["state"] == "new" and retried.json()["transaction_id"] != str(order.transaction_id)
    assert balance(user) == charged
    wait_until(lambda: Order.objects.get(pk=order_id).state in ("done", "error"), timeout=120, message="retry")
    order.refresh_from_db()
    assert order.state == "done" and order.retries == 1
    assert Recording.objects.get(pk=conversion_id).state == "done"
    assert CreditEntry.objects.filter(kind="charge").count() == 2
    assert balance(user) == charged
    again = api.post(f"/api/v2/orders/retry/{conversion_id}")
    assert again.status_code == 400 and "Only a failed conversion" in again.json()["detail"]


# --- refused before anything is created -------------------------------------------------------
@pytest.mark.django_db
def test_an_order_that_cannot_be_paid_is_402_and_creates_nothing(api, user, staff_user, speech, basic):
    grant_credits(user, Decimal("0.10"))
    voice = make_voice(staff_user)
    original = make_original(user, speech)
    response = api.post(
        "/api/v2/orders",
        {"original_id": str(original.pk), "conversions": [{"voice_id": str(voice.pk)}, {"voice_id": str(voice.pk)}]},
        format="json",
    )
    assert response.status_code == 402
    assert set(response.json()) == {"detail"} and "Not enough credits" in response.json()["detail"]
    assert Order.objects.count() == 0 and Job.objects.count() == 0
    assert Recording.objects.filter(type="converted").count() == 0
    assert balance(user) == Decimal("0.10") and not CreditEntry.objects.filter(kind="charge").exists()


@pytest.mark.django_db
def test_bad_orders_are_clear_4xx_and_charge_nothing(api, user, other_user, staff_user, speech, basic):
    grant_credits(user, 100)
    studio = tier("studio", 2)
    voice = make_voice(staff_user, accents=2)
    other_voice = make_voice(staff_user)
    locked = make_voice(staff_user, tiers=[studio])
    private = make_voice(other_user, visibility="private")
    original = make_original(user, speech)
    foreign = make_original(other_user, speech)
    failed = make_original(user, speech, state=Recording.State.ERROR)
    low_voice = make_voice(staff_user, pitch=60)
    deep_speaker = Calibration.objects.create(
        user=user, name="Deep", audio_key="x", audio_format="wav", bucket="local", state="calibrated", f0=790
    )
    theirs = Calibration.objects.create(
        user=other_user, name="T", audio_key="x", audio_format="wav", bucket="local", state="calibrated", f0=100
    )
    mine_pending = Calibration.objects.create(user=user, name="P", audio_key="x", audio_format="wav", bucket="local")

    def order(conversions, original_id=original.pk, **extra):
        return api.post(
            "/api/v2/orders", {"original_id": str(original_id), "conversions": conversions, **extra}, format="json"
        )

    cases = [
        (order([{"voice_id": str(uuid.uuid4())}]), 404, "Voice not found"),
        (order([{"voice_id": str(private.pk)}]), 404, "Voice not found"),
        (order([{"voice_id": str(locked.pk)}]), 403, "not available on your plan"),
        (order([{"voice_id": str(voice.pk), "accent_id": str(other_voice.accents.get().pk)}]), 400, "does not belong"),
        (
            order([{"voice_id": str(voice.pk), "narration_style_id": str(other_voice.narration_styles.get().pk)}]),
            400,
            "does not belong",
        ),
        (order([{"voice_id": str(voice.pk)}], original_id=foreign.pk), 404, "Original recording not found"),
        (order([{"voice_id": str(voice.pk)}], original_id=failed.pk), 400, "The original recording failed"),
        (
            order([{"voice_id": str(voice.pk)}], use_calibration=True, calibration_id=str(theirs.pk)),
            404,
            "Calibration not found",
        ),
        (
            order([{"voice_id": str(voice.pk)}], use_calibration=True, calibration_id=str(mine_pending.pk)),
            400,
            "only a calibrated one",
        ),
        # A valid conversion next to a bad one: the whole order is refused.
        (order([{"voice_id": str(voice.pk)}, {"voice_id": str(locked.pk)}]), 403, "not available"),
    ]
    for response, status, text in cases:
        assert response.status_code == status, (status, response.json())
        assert text in response.json()["detail"]
    # 790 Hz calibrated speaker into a 60 Hz voice: -44.6 semitones, beyond the engine's ±24.
    too_far = order([{"voice_id": str(low_voice.pk)}], use_calibration=True, calibration_id=str(deep_speaker.pk))
    assert too_far.status_code == 422
    assert too_far.json()["detail"][0]["loc"] == ["body", "conversions", "0", "semitones_correction"]
    assert "-44.6 semitones" in too_far.json()["detail"][0]["msg"]
    validation = [
        order([{"voice_id": str(voice.pk), "semitones_correction": 12.5}]),
        order([]),
        order([{"voice_id": "not-a-uuid"}]),
        order([{"voice_id": str(voice.pk)}], use_calibration=True),
        api.post("/api/v2/orders", {"conversions": [{"voice_id": str(voice.pk)}]}, format="json"),
        api.post("/api/v2/orders", "not json", content_type="application/json"),
    ]
    for response in validation:
        assert response.status_code in (400, 422) and "detail" in response.json(), response.json()
    assert Order.objects.count() == 0 and not CreditEntry.objects.filter(kind="charge").exists()
    assert Recording.objects.filter(type="converted").count() == 0


@pytest.mark.django_db
def test_a_conversion_cannot_be_converted_and_retry_is_scoped(
    api, user, other_user, staff_user, speech, basic, client_for
):
    grant_credits(user, 100)
    voice = make_voice(staff_user)
    original = make_original(user, speech)
    response = api.post(
        "/api/v2/orders", {"original_id": str(original.pk), "conversions": [{"voice_id": str(voice.pk)}]}, format="json"
    )
    conversion_id = response.json()[0]["conversion_id"]
    again = api.post(
        "/api/v2/orders", {"original_id": conversion_id, "conversions": [{"voice_id": str(voice.pk)}]}, format="json"
    )
    assert again.status_code == 400 and "Only original recordings" in again.json()["detail"]
    assert client_for(other_user).post(f"/api/v2/orders/retry/{conversion_id}").status_code == 404
    assert client_for(other_user).post(f"/api/v2/orders/retry/{original.pk}").status_code == 404
    assert api.post(f"/api/v2/orders/retry/{uuid.uuid4()}").json() == {
        "detail": "Neither a conversion nor an original with this id was found"
    }
    nothing_failed = api.post(f"/api/v2/orders/retry/{original.pk}")
    assert nothing_failed.status_code == 400 and "no failed conversion" in nothing_failed.json()["detail"]
    not_failed = api.post(f"/api/v2/orders/retry/{conversion_id}")
    assert not_failed.status_code == 400 and "Only a failed conversion" in not_failed.json()["detail"]


@pytest.mark.parametrize(
    "text_language, original_voice, style_voice, reads_with",
    [
        ("en", "en-us", "en-gb", "en-gb"),  # the style's own voice speaks the text's language
        ("en-gb", "en-gb", "en-us", "en-gb"),  # a region was asked for: the original's regional voice
        ("de", "de", "en-us", "de"),  # the style's voice speaks another language
        ("", "en-us", "en-us", "en-us"),
    ],
)
def test_a_tts_original_is_narrated_in_its_language_and_region(text_language, original_voice, style_voice, reads_with):
    original = Recording(tts=True, text="Hello", text_language=text_language, params={"engine_voice": original_voice})
    assert narration_engine_voice(original, NarrationStyle(tts_voice=style_voice)) == reads_with


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_an_uploads_measured_pitch_refuses_a_shift_the_engine_cannot_make(
    api, user, staff_user, celery_worker, basic, folder, speech
):
    grant_credits(user, 100)
    shrill = make_voice(staff_user, name="Shrill", pitch=800, tiers=[basic])
    deep = make_voice(staff_user, name="Deep", pitch=90, tiers=[basic])
    body = upload_recording(api, folder["id"], speech).json()
    original = wait_for_state(body["id"], states=("done",))
    # The upload's processing measured the speaker, as the conversion job would.
    assert cents(original.f0, vocoder.estimate_f0(speech, algorithm="dio").f0) < 1
    shift = 12 * math.log2(800 / original.f0)
    assert shift > 24
    refused = api.post(
        "/api/v2/orders",
        {"original_id": body["id"], "conversions": [{"voice_id": str(deep.pk)}, {"voice_id": str(shrill.pk)}]},
        format="json",
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "conversions", "1", "semitones_correction"]
    assert f"{shift:+.1f} semitones" in refused.json()["detail"][0]["msg"]
    assert Order.objects.count() == 0 and balance(user) == Decimal("100")
    accepted = api.post(
        "/api/v2/orders", {"original_id": body["id"], "conversions": [{"voice_id": str(deep.pk)}]}, format="json"
    )
    assert accepted.status_code == 200
