"""Conversion orders: price and charge them, create their converted recordings, run the WORLD
engine in a job, refund what fails.

An order is paid when it is created (all conversions of a request in one transaction: if the
balance does not cover them, nothing is created) and each conversion's charge carries its own
ledger reference, so redelivered jobs and retries never charge twice. A job that ends failed
refunds its charge; a retry charges again under a new reference.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import uuid
from decimal import ROUND_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import services as ledger
from core import jobs
from core.dialects import ApiError
from core.media import MediaError, tts, vocoder

from . import catalogue_selectors, library_selectors, library_services
from .catalogue_services import download, voice_shape
from .models import Accent, Calibration, NarrationStyle, Order, Recording, Voice

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


# --- pricing ---------------------------------------------------------------------------
def price_per_second(voice: Voice) -> Decimal:
    """Credits per second: the price of the voice's cheapest tier (settings), else the default price."""
    tiers = sorted(voice.tiers.all(), key=lambda tier: tier.rank)
    prices = settings.CONVERSIONS_PRICE_PER_SECOND
    for tier in tiers:
        if tier.name in prices:
            return Decimal(str(prices[tier.name]))
    return Decimal(str(settings.CONVERSIONS_DEFAULT_PRICE_PER_SECOND))


def conversion_cost(voice: Voice, seconds: float) -> Decimal:
    cost = (price_per_second(voice) * Decimal(str(seconds))).quantize(CENT, rounding=ROUND_UP)
    return max(cost, CENT)


# --- creating orders ---------------------------------------------------------------------
@dataclasses.dataclass
class _Planned:
    voice: Voice
    accent: Accent | None
    narration_style: NarrationStyle | None
    semitones_correction: float
    label: str
    cost: Decimal


def _bad(message: str) -> ApiError:
    return ApiError("bad_request", message=message)


def _original_for(user, original_id) -> Recording:
    original = library_selectors.accessible_recordings(user).filter(pk=original_id).first()
    if original is None:
        raise ApiError("not_found", message="Original recording not found")
    if original.type != Recording.Type.ORIGINAL:
        raise _bad("Only original recordings can be converted.")
    if original.state != Recording.State.DONE:
        raise _bad(f"The original recording is {original.state}; it can be converted once it is done.")
    if original.duration > settings.CONVERSIONS_MAX_ORIGINAL_SECONDS:
        raise _bad(f"The original is longer than {settings.CONVERSIONS_MAX_ORIGINAL_SECONDS} seconds.")
    return original


def _calibration_for(user, original: Recording, calibration_id, use_calibration: bool) -> Calibration | None:
    """The calibration an order uses: the named one (use_calibration), else the enabled one, else
    none (auto: the pitch is estimated from the original). TTS originals never use one."""
    if original.tts:
        return None
    if use_calibration:
        calibration = catalogue_selectors.calibration_of(user, calibration_id)
        if calibration is None:
            raise ApiError("not_found", message="Calibration not found")
        if calibration.state != Calibration.State.CALIBRATED:
            raise _bad(f"The calibration is {calibration.state}; only a calibrated one can be used.")
        return calibration
    return catalogue_selectors.enabled_calibration(user)


def _plan(user, original: Recording, index: int, item: dict, rank: int) -> _Planned:
    voice = catalogue_selectors.voice_for_user(user, item["voice_id"])
    if voice is None:
        raise ApiError("not_found", message="Voice not found")
    if not catalogue_selectors.tiers_allow(voice.tiers.all(), rank):
        raise ApiError("permission_denied", message=f"The voice {voice.name} is not available on your plan.")
    accents = {accent.pk: accent for accent in voice.accents.all()}
    accent = None
    if item.get("accent_id"):
        accent = accents.get(item["accent_id"])
        if accent is None:
            raise _bad(f"The accent does not belong to the voice {voice.name}.")
        if not catalogue_selectors.tiers_allow(accent.tiers.all(), rank):
            raise ApiError("permission_denied", message=f"The accent {accent.name} is not available on your plan.")
    elif not original.tts:
        accent = next((candidate for candidate in accents.values() if candidate.is_default), None)
    style = None
    if item.get("narration_style_id"):
        style = next((s for s in voice.narration_styles.all() if s.pk == item["narration_style_id"]), None)
        if style is None:
            raise _bad(f"The narration style does not belong to the voice {voice.name}.")
    elif original.tts:
        raise ApiError("validation", fields={f"conversions.{index}.narration_style_id": [
            "Required when the original is text to speech."]})
    correction = item.get("semitones_correction")
    if correction is None:
        # The user's saved correction for this accent applies when the order does not set one.
        saved = accent.mine[0] if accent is not None and accent.mine else None
        correction = saved.semitones_correction if saved else 0.0
    return _Planned(voice=voice, accent=None if original.tts else accent,
                    narration_style=style if original.tts else None, semitones_correction=float(correction),
                    label=item.get("label") or voice.name, cost=conversion_cost(voice, original.duration))


def create_orders(user, *, original_id, conversions: list[dict], calibration_id=None,
                  use_calibration: bool = False) -> list[Order]:
    """Validate, charge and queue one order per conversion. 402 and nothing created if unpaid."""
    from .catalogue_tasks import run_conversion_order

    original = _original_for(user, original_id)
    calibration = _calibration_for(user, original, calibration_id, use_calibration)
    rank = catalogue_selectors.user_tier_rank(user)
    planned = [_plan(user, original, index, item, rank) for index, item in enumerate(conversions)]
    orders = []
    try:
        with transaction.atomic():
            for plan in planned:
                orders.append(_create_order(user, original, calibration, plan, run_conversion_order))
    except ledger.InsufficientCredits as exc:
        raise ApiError("payment_required", message=(
            f"Not enough credits: the order costs {sum(p.cost for p in planned)} "
            f"and the balance is {exc.balance}.")) from None
    return orders


def _create_order(user, original: Recording, calibration: Calibration | None, plan: _Planned, task) -> Order:
    conversion = library_services.create_converted_recording(
        original, created_by=user, label=plan.label, model_id=plan.voice.pk, model_name=plan.voice.name,
        calibration_id=calibration.pk if calibration else None,
        calibration_value=calibration.f0 if calibration else None,
        calibration_name=calibration.name if calibration else "",
        params={
            "voice_id": str(plan.voice.pk),
            "accent_id": str(plan.accent.pk) if plan.accent else None,
            "narration_style_id": str(plan.narration_style.pk) if plan.narration_style else None,
            "semitones_correction": plan.semitones_correction,
        },
    )
    order = Order.objects.create(
        user=user, original=original, conversion=conversion, voice=plan.voice, accent=plan.accent,
        narration_style=plan.narration_style, calibration=calibration,
        semitones_correction=plan.semitones_correction,
        reference_f0=calibration.f0 if calibration else None, cost=plan.cost,
    )
    ledger.charge_credits(user, plan.cost, reference=order.charge_reference,
                          note=f"conversion of {original.pk} into {plan.voice.name}")
    order.job = jobs.start_job("conversions.order", task, subject=f"order {order.pk}",
                               payload={"order_id": str(order.pk)})
    order.save(update_fields=["job"])
    logger.info("order %s: original %s -> voice %s, %s credits", order.pk, original.pk, plan.voice.pk, plan.cost)
    return order


@transaction.atomic
def retry_order(order: Order) -> Order:
    """Run a failed conversion again: charge it again (a new ledger reference) and queue a new job."""
    from .catalogue_tasks import run_conversion_order

    order = Order.objects.select_for_update(of=("self",)).select_related("conversion", "voice").get(pk=order.pk)
    if order.state != Order.State.ERROR:
        raise ApiError("conflict", message=f"Only a failed conversion can be retried; this one is {order.state}.",
                       status=400)
    if order.voice is None or not order.voice.active:
        raise _bad("The voice of this conversion is no longer available.")
    order.transaction_id = uuid.uuid4()
    order.retries += 1
    order.state = Order.State.NEW
    order.error = ""
    order.closed_at = None
    try:
        ledger.charge_credits(order.user, order.cost, reference=order.charge_reference,
                              note=f"retry of conversion {order.conversion_id}")
    except ledger.InsufficientCredits as exc:
        raise ApiError("payment_required",
                       message=f"Not enough credits: the retry costs {order.cost} and the balance is {exc.balance}.",
                       ) from None
    order.job = jobs.start_job("conversions.order", run_conversion_order, subject=f"order {order.pk}",
                               payload={"order_id": str(order.pk)})
    order.save()
    Recording.objects.filter(pk=order.conversion_id).update(state=Recording.State.PROCESSING, error="",
                                                            process_stage="queued")
    logger.info("order %s retried (attempt %s)", order.pk, order.retries + 1)
    return order


# --- running orders -------------------------------------------------------------------------
def _set_state(order: Order, state: str) -> None:
    Order.objects.filter(pk=order.pk).update(state=state)
    library_services.set_process_stage(order.conversion_id, state)


def _source_audio(order: Order, workdir: Path) -> Path:
    """The speech to convert: the stored original, or for TTS the text spoken in the narration style."""
    original = order.original
    if original.tts:
        style = order.narration_style
        if style is None:
            raise jobs.JobFailed("The narration style of this conversion no longer exists.")
        return tts.synthesize(original.text, workdir / "narration.wav", voice=style.tts_voice, rate=style.tts_rate)
    return download(original.audio_key, workdir / f"original.{original.audio_format or 'bin'}")


def run_order(job_id) -> None:
    """The job: analyse, convert, store the converted recording; refund and mark error if it fails."""

    def work(ctx: jobs.JobContext):
        order = Order.objects.select_related("original", "voice", "accent", "narration_style").get(
            pk=ctx.job.payload["order_id"])
        if order.voice is None:
            raise jobs.JobFailed("The voice of this conversion no longer exists.")
        _set_state(order, Order.State.PRE_PROCESSING)
        with tempfile.TemporaryDirectory(prefix="order-") as scratch:
            workdir = Path(scratch)
            try:
                source = _source_audio(order, workdir)
                ctx.progress(10)
                reference_f0 = order.reference_f0
                if reference_f0 is None:
                    reference_f0 = vocoder.estimate_f0(source, algorithm="dio",
                                                       max_seconds=settings.CONVERSIONS_MAX_ORIGINAL_SECONDS).f0
                shape = voice_shape(order.voice, reference_f0=reference_f0, accent=order.accent,
                                    narration_style=order.narration_style,
                                    semitones_correction=order.semitones_correction)
                _set_state(order, Order.State.PROCESSING)
                output_format = settings.CONVERSIONS_OUTPUT_FORMAT
                converted = workdir / f"converted.{output_format}"
                result = vocoder.convert(source, converted, shape, output_format=output_format,
                                         max_seconds=settings.CONVERSIONS_MAX_ORIGINAL_SECONDS,
                                         progress=lambda percent: ctx.progress(10 + percent * 0.75))
                _set_state(order, Order.State.POST_PROCESSING)
                library_services.complete_recording(order.conversion_id, converted,
                                                    file_name=f"{order.voice.slug}")
            except MediaError as exc:
                raise jobs.JobFailed(str(exc)) from None
        Order.objects.filter(pk=order.pk).update(
            state=Order.State.DONE, error="", closed_at=timezone.now(), reference_f0=reference_f0,
            f0=result.target_f0, engine_params=dataclasses.asdict(shape),
        )
        logger.info("order %s done: %.2fs at %.1f Hz", order.pk, result.duration, result.target_f0)

    def failed(job, reason: str):
        order = Order.objects.select_related("user").filter(pk=job.payload.get("order_id")).first()
        if order is None:
            return
        with transaction.atomic():
            Order.objects.filter(pk=order.pk).update(state=Order.State.ERROR, error=reason or "Conversion failed.",
                                                     closed_at=timezone.now())
            library_services.fail_recording(order.conversion_id, reason or "Conversion failed.")
            ledger.refund_credits(order.user, reference=order.charge_reference, note="conversion failed")
        logger.info("order %s failed and was refunded: %s", order.pk, reason)

    jobs.run_job(job_id, work, on_failure=failed)
