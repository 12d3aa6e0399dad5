"""Conversion orders: price and charge them, create their converted recordings, run the WORLD
engine in a job, refund what fails.

An order is paid when it is created (all conversions of a request in one transaction: if the
balance does not cover them, nothing is created) and each conversion's charge carries its own
ledger reference, so redelivered jobs and retries never charge twice. A job that ends failed
refunds its charge; a retry charges again under a new reference.

An original that is still processing (a TTS rendering, an upload's analysis) can be ordered at
once: its conversions wait (the library's ``WAITING_FOR_ORIGINAL``) and start when it is done,
or fail and are refunded when it ends in error (``start_conversions_of_original``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import tempfile
import uuid
from decimal import ROUND_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import services as ledger
from core import jobs
from core.errors import NOT_RETRYABLE, DomainError
from core.media import MediaError, tts, vocoder
from core.storage import object_storage

from conversions.catalogue import selectors as catalogue_selectors
from conversions.catalogue.models import Accent, Calibration, NarrationStyle, Voice
from conversions.catalogue.services import voice_shape
from conversions.library import selectors as library_selectors
from conversions.library import services as library_services
from conversions.library.models import Recording

from . import selectors
from .models import Order

logger = logging.getLogger(__name__)

# The task that runs an order's job (orders/tasks.py), sent by name.
RUN_ORDER_TASK = "conversions.run_conversion_order"

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


def _bad(message: str) -> DomainError:
    return DomainError("invalid", message)


def _original_for(user, original_id) -> Recording:
    original = library_selectors.accessible_recordings(user).filter(pk=original_id).first()
    if original is None:
        raise DomainError("not_found", "Original recording not found")
    if original.type != Recording.Type.ORIGINAL:
        raise _bad("Only original recordings can be converted.")
    _check_original_state(original)
    if original_seconds(original) > settings.CONVERSIONS_MAX_ORIGINAL_SECONDS:
        raise _bad(f"The original is longer than {settings.CONVERSIONS_MAX_ORIGINAL_SECONDS} seconds.")
    return original


def _check_original_state(original: Recording) -> None:
    if original.state == Recording.State.ERROR:
        raise _bad(f"The original recording failed ({original.error or 'no reason given'}); it cannot be converted.")


def original_seconds(original: Recording) -> float:
    """What an order is priced on: the original's measured duration, or for a TTS original that is
    still rendering, its text's length at the TTS voice's rate (words per minute)."""
    if original.duration > 0 or not original.tts:
        return original.duration
    words = len(re.findall(r"\w+", original.text)) or 1
    rate = (original.params or {}).get("rate") or 160
    return round(words * 60 / rate, 2)


def _calibration_for(user, original: Recording, calibration_id, use_calibration: bool) -> Calibration | None:
    """The calibration an order uses: the named one (use_calibration), else the enabled one, else
    none (auto: the pitch is estimated from the original). TTS originals never use one."""
    if original.tts:
        return None
    if use_calibration:
        calibration = catalogue_selectors.calibration_of(user, calibration_id)
        if calibration is None:
            raise DomainError("not_found", "Calibration not found")
        if calibration.state != Calibration.State.CALIBRATED:
            raise _bad(f"The calibration is {calibration.state}; only a calibrated one can be used.")
        return calibration
    return catalogue_selectors.enabled_calibration(user)


def _plan(user, original: Recording, index: int, item: dict, rank: int) -> _Planned:
    voice = catalogue_selectors.voice_for_user(user, item["voice_id"])
    if voice is None:
        raise DomainError("not_found", "Voice not found")
    if not catalogue_selectors.tiers_allow(voice.tiers.all(), rank):
        raise DomainError("forbidden", f"The voice {voice.name} is not available on your plan.")
    accents = {accent.pk: accent for accent in voice.accents.all()}
    accent = None
    if item.get("accent_id"):
        accent = accents.get(item["accent_id"])
        if accent is None:
            raise _bad(f"The accent does not belong to the voice {voice.name}.")
        if not catalogue_selectors.tiers_allow(accent.tiers.all(), rank):
            raise DomainError("forbidden", f"The accent {accent.name} is not available on your plan.")
    elif not original.tts:
        accent = next((candidate for candidate in accents.values() if candidate.is_default), None)
    style = None
    if item.get("narration_style_id"):
        style = next((s for s in voice.narration_styles.all() if s.pk == item["narration_style_id"]), None)
        if style is None:
            raise _bad(f"The narration style does not belong to the voice {voice.name}.")
    elif original.tts:
        raise DomainError(
            "invalid",
            fields={f"conversions.{index}.narration_style_id": ["Required when the original is text to speech."]},
        )
    correction = item.get("semitones_correction")
    if correction is None:
        # The user's saved correction for this accent applies when the order does not set one.
        saved = accent.mine[0] if accent is not None and accent.mine else None
        correction = saved.semitones_correction if saved else 0.0
    return _Planned(
        voice=voice,
        accent=None if original.tts else accent,
        narration_style=style if original.tts else None,
        semitones_correction=float(correction),
        label=item.get("label") or voice.name,
        cost=conversion_cost(voice, original_seconds(original)),
    )


def create_orders(
    user, *, original_id, conversions: list[dict], calibration_id=None, use_calibration: bool = False
) -> list[Order]:
    """Validate, charge and queue one order per conversion. 402 and nothing created if unpaid."""
    original = _original_for(user, original_id)
    calibration = _calibration_for(user, original, calibration_id, use_calibration)
    rank = catalogue_selectors.user_tier_rank(user)
    planned = [_plan(user, original, index, item, rank) for index, item in enumerate(conversions)]
    for index, plan in enumerate(planned):
        _check_pitch_shift(index, plan, calibration, original)
    orders = []
    try:
        with transaction.atomic():
            # The original's row is locked while the orders are written: an original that settles
            # meanwhile either is seen settled here or sees these conversions waiting for it.
            original = Recording.objects.select_for_update().get(pk=original.pk)
            _check_original_state(original)
            waits = original.state == Recording.State.PROCESSING
            for plan in planned:
                orders.append(_create_order(user, original, calibration, plan, waits=waits))
    except ledger.InsufficientCredits as exc:
        raise DomainError(
            "payment_required",
            (f"Not enough credits: the order costs {sum(p.cost for p in planned)} and the balance is {exc.balance}."),
        ) from None
    return orders


def _check_pitch_shift(index: int, plan: _Planned, calibration: Calibration | None, original: Recording) -> None:
    """Refuse up front a conversion whose pitch shift the engine cannot make. The shift starts from
    the calibrated pitch, else the pitch measured when the upload was processed; a TTS original or
    one still processing has no pitch yet (the job measures it), so only the accent's offset and
    the correction can be checked for it here."""
    shift = plan.semitones_correction + (plan.accent.semitones if plan.accent else 0.0)
    reference_f0 = calibration.f0 if calibration is not None else original.f0
    if reference_f0:
        shift += 12 * math.log2(plan.voice.pitch / reference_f0)
    if abs(shift) > vocoder.SEMITONES_LIMIT:
        raise DomainError(
            "invalid",
            fields={
                f"conversions.{index}.semitones_correction": [
                    f"The total pitch shift would be {shift:+.1f} semitones; the engine shifts at most "
                    f"±{vocoder.SEMITONES_LIMIT:g}."
                ]
            },
        )


def _create_order(user, original: Recording, calibration: Calibration | None, plan: _Planned, *, waits: bool) -> Order:
    conversion = library_services.create_converted_recording(
        original,
        created_by=user,
        label=plan.label,
        model_id=plan.voice.pk,
        model_name=plan.voice.name,
        calibration_id=calibration.pk if calibration else None,
        calibration_value=calibration.f0 if calibration else None,
        calibration_name=calibration.name if calibration else "",
        params={
            "voice_id": str(plan.voice.pk),
            "accent_id": str(plan.accent.pk) if plan.accent else None,
            "narration_style_id": str(plan.narration_style.pk) if plan.narration_style else None,
            "semitones_correction": plan.semitones_correction,
        },
        waits_for_original=waits,
    )
    order = Order.objects.create(
        user=user,
        original=original,
        conversion=conversion,
        voice=plan.voice,
        accent=plan.accent,
        narration_style=plan.narration_style,
        calibration=calibration,
        semitones_correction=plan.semitones_correction,
        reference_f0=calibration.f0 if calibration else None,
        cost=plan.cost,
    )
    ledger.charge_credits(
        user, plan.cost, reference=order.charge_reference, note=f"conversion of {original.pk} into {plan.voice.name}"
    )
    if not waits:
        _start_job(order)
    logger.info(
        "order %s: original %s -> voice %s, %s credits%s",
        order.pk,
        original.pk,
        plan.voice.pk,
        plan.cost,
        " (waits for the original)" if waits else "",
    )
    return order


def _start_job(order: Order, *, capped: bool = True) -> None:
    order.job = jobs.start_job(
        "conversions.order",
        RUN_ORDER_TASK,
        subject=f"order {order.pk}",
        payload={"order_id": str(order.pk)},
        owner=order.user,
        capped=capped,
    )
    order.save(update_fields=["job"])
    library_services.set_process_stage(order.conversion_id, "queued")


def start_conversions_of_original(job_id) -> None:
    """The job run when an original settles: start the jobs of the conversions that waited for it.
    If the original ended in error each of those jobs fails at once (refund, webhook), as any
    failed conversion does."""

    def work(ctx: jobs.JobContext):
        waiting = Order.objects.filter(
            original_id=ctx.job.payload["recording_id"],
            state=Order.State.NEW,
            conversion__process_stage=library_services.WAITING_FOR_ORIGINAL,
        )
        for order_id in waiting.values_list("pk", flat=True):
            with transaction.atomic():
                order = (
                    Order.objects.select_for_update(of=("self",))
                    .filter(pk=order_id, conversion__process_stage=library_services.WAITING_FOR_ORIGINAL)
                    .first()
                )
                if order is not None:
                    # Paid and accepted when ordered: started now, never refused.
                    _start_job(order, capped=False)

    jobs.run_job(job_id, work)


@transaction.atomic
def retry_order(order: Order) -> Order:
    """Run a failed conversion again: charge it again (a new ledger reference) and queue a new job."""
    order = Order.objects.select_for_update(of=("self",)).select_related("conversion", "voice").get(pk=order.pk)
    if order.state != Order.State.ERROR:
        raise DomainError(
            "conflict", f"Only a failed conversion can be retried; this one is {order.state}.", code=NOT_RETRYABLE
        )
    if order.voice is None or not order.voice.active:
        raise _bad("The voice of this conversion is no longer available.")
    original = Recording.objects.select_for_update().get(pk=order.original_id)
    _check_original_state(original)
    order.transaction_id = uuid.uuid4()
    order.retries += 1
    order.state = Order.State.NEW
    order.error = ""
    order.closed_at = None
    try:
        ledger.charge_credits(
            order.user, order.cost, reference=order.charge_reference, note=f"retry of conversion {order.conversion_id}"
        )
    except ledger.InsufficientCredits as exc:
        raise DomainError(
            "payment_required",
            f"Not enough credits: the retry costs {order.cost} and the balance is {exc.balance}.",
        ) from None
    order.save()
    waits = original.state == Recording.State.PROCESSING
    Recording.objects.filter(pk=order.conversion_id).update(
        state=Recording.State.PROCESSING,
        error="",
        process_stage=library_services.WAITING_FOR_ORIGINAL if waits else "queued",
    )
    if not waits:
        _start_job(order)
    logger.info("order %s retried (attempt %s)", order.pk, order.retries + 1)
    return order


def retry_orders(user, recording_id) -> tuple[list[Order], bool]:
    """Retry by a conversion's id (that conversion) or by an original's id (its failed
    conversions ordered by the caller). Not found when the id is neither. Returns the orders
    and whether the id was an original's."""
    order = selectors.order_for_conversion(user, recording_id)
    if order is not None:
        return [retry_order(order)], False
    original = (
        library_selectors.accessible_recordings(user).filter(pk=recording_id, type=Recording.Type.ORIGINAL).first()
    )
    if original is None:
        raise DomainError("not_found", "Neither a conversion nor an original with this id was found")
    failed = list(selectors.orders_of_original(user, original).filter(state=Order.State.ERROR))
    if not failed:
        raise DomainError("conflict", "This original has no failed conversion to retry.", code=NOT_RETRYABLE)
    with transaction.atomic():
        return [retry_order(order) for order in failed], True


# --- running orders -------------------------------------------------------------------------
def _set_state(order: Order, state: str) -> None:
    Order.objects.filter(pk=order.pk).update(state=state)
    library_services.set_process_stage(order.conversion_id, state)


def narration_engine_voice(original: Recording, style: NarrationStyle) -> str:
    """The espeak-ng voice that reads a TTS original for a narration style: the style's own when it
    speaks the text's language and the caller named no region; otherwise the original's (chosen
    from ``text_language``), so a German text is not read as English and en-GB stays British."""
    original_voice = (original.params or {}).get("engine_voice") or style.tts_voice
    language_tag = original.text_language.lower().replace("_", "-")
    style_language = style.tts_voice.split("+")[0].split("-")[0]
    if "-" in language_tag or (language_tag and language_tag.split("-")[0] != style_language):
        return original_voice
    return style.tts_voice


def _source_audio(order: Order, workdir: Path) -> Path:
    """The speech to convert: the stored original, or for TTS the text spoken in the narration style."""
    original = order.original
    if original.tts:
        style = order.narration_style
        if style is None:
            raise jobs.JobFailed("The narration style of this conversion no longer exists.")
        return tts.synthesize(
            original.text, workdir / "narration.wav", voice=narration_engine_voice(original, style), rate=style.tts_rate
        )
    return object_storage.download(original.audio_key, workdir / f"original.{original.audio_format or 'bin'}")


def run_order(job_id) -> None:
    """The job: analyse, convert, store the converted recording; refund and mark error if it fails."""

    def work(ctx: jobs.JobContext):
        order = Order.objects.select_related("original", "voice", "accent", "narration_style").get(
            pk=ctx.job.payload["order_id"]
        )
        if order.voice is None:
            raise jobs.JobFailed("The voice of this conversion no longer exists.")
        if order.original.state == Recording.State.ERROR:
            raise jobs.JobFailed(f"The original recording failed: {order.original.error or 'no reason given'}")
        if order.original.state != Recording.State.DONE:
            raise jobs.JobFailed("The original recording is not ready.")
        _set_state(order, Order.State.PRE_PROCESSING)
        with tempfile.TemporaryDirectory(prefix="order-") as scratch:
            workdir = Path(scratch)
            try:
                source = _source_audio(order, workdir)
                ctx.progress(10)
                reference_f0 = order.reference_f0
                if reference_f0 is None:
                    reference_f0 = vocoder.estimate_f0(source, max_seconds=settings.CONVERSIONS_MAX_ORIGINAL_SECONDS).f0
                shape = voice_shape(
                    order.voice,
                    reference_f0=reference_f0,
                    accent=order.accent,
                    narration_style=order.narration_style,
                    semitones_correction=order.semitones_correction,
                )
                _set_state(order, Order.State.PROCESSING)
                output_format = settings.CONVERSIONS_OUTPUT_FORMAT
                converted = workdir / f"converted.{output_format}"
                result = vocoder.convert(
                    source,
                    converted,
                    shape,
                    output_format=output_format,
                    max_seconds=settings.CONVERSIONS_MAX_ORIGINAL_SECONDS,
                    progress=lambda percent: ctx.progress(10 + percent * 0.75),
                )
                _set_state(order, Order.State.POST_PROCESSING)
                outputs = library_services.job_outputs(ctx, order.original.project_id)
                with ctx.writing_results():
                    library_services.complete_recording(
                        order.conversion_id, converted, file_name=f"{order.voice.slug}", prefix=outputs
                    )
                    Order.objects.filter(pk=order.pk).update(
                        state=Order.State.DONE,
                        error="",
                        closed_at=timezone.now(),
                        reference_f0=reference_f0,
                        f0=result.target_f0,
                        engine_params=dataclasses.asdict(shape),
                    )
            except MediaError as exc:
                raise jobs.JobFailed(str(exc)) from None
        logger.info("order %s done: %.2fs at %.1f Hz", order.pk, result.duration, result.target_f0)

    def failed(job, reason: str):
        order = Order.objects.select_related("user").filter(pk=job.payload.get("order_id")).first()
        if order is None:
            return
        with transaction.atomic():
            _fail_and_refund(order, reason)

    jobs.run_job(job_id, work, on_failure=failed)


def _fail_and_refund(order: Order, reason: str) -> None:
    reason = reason or "Conversion failed."
    Order.objects.filter(pk=order.pk).update(state=Order.State.ERROR, error=reason, closed_at=timezone.now())
    library_services.fail_recording(order.conversion_id, reason)
    ledger.refund_credits(order.user, reference=order.charge_reference, note="conversion failed")
    logger.info("order %s failed and was refunded: %s", order.pk, reason)
