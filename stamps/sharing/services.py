"""Writes for sharing: share links, invitations by email and SMS, views, replies, expiry.

Every message (email or SMS) is a ``Delivery`` row sent by a job with retries; the
row's state (queued, sent, failed and why) is what the owner sees.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from core import jobs
from core.errors import DomainError, invalid
from core.models import Job
from core.storage import object_storage
from core.uploads import AudioLimits, audio_intake

from . import selectors
from ..models import Stamp
from .models import Delivery, NotificationTemplate, Reply, Share, ShareRecipient
from .sms import SmsRejected, SmsUnavailable, sms_backend

logger = logging.getLogger(__name__)

# Letters and digits without look-alikes (0/O, 1/l/I): 57 symbols, so 12 of them are ~70 bits.
SHARE_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
SHARE_CODE_LENGTH = 12
INVITATION_TEMPLATE = 100
REPLY_NOTICE_TEMPLATE = 101
SHARE_EXPIRED_TEMPLATE = 102
REPLY_AUDIO_FORMATS = {"mp3", "wav", "ogg", "m4a", "aac", "flac", "webm"}


def _share_code() -> str:
    return "".join(secrets.choice(SHARE_CODE_ALPHABET) for _ in range(SHARE_CODE_LENGTH))


def _token() -> str:
    return secrets.token_urlsafe(24)


# --- share links --------------------------------------------------------------------------
def _new_share(
    stamp: Stamp, *, privacy: str, expires_at=None, password: str | None = None, allow_replies: bool = True
) -> Share:
    share = Share.objects.create(
        stamp=stamp,
        share_code=_share_code(),
        privacy=privacy,
        password_hash=make_password(password) if privacy == Share.Privacy.PASSWORD else "",
        allow_replies=allow_replies,
        reply_token=_token(),
        expires_at=expires_at,
    )
    logger.info("stamp %s: %s share %s created", stamp.pk, privacy, share.pk)
    return share


@transaction.atomic
def create_share(
    user, stamp_id, *, privacy: str, expires_at=None, password: str | None = None, allow_replies: bool = True
) -> Share:
    stamp = selectors.owned_stamp(user, stamp_id)
    return _new_share(stamp, privacy=privacy, expires_at=expires_at, password=password, allow_replies=allow_replies)


@transaction.atomic
def revoke_share(user, stamp_id, code: str) -> Share:
    """Revoke a share; messages not yet sent for it are not sent."""
    stamp = selectors.owned_stamp(user, stamp_id)
    share = selectors.owned_share(stamp, code)
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
        logger.info("stamp %s: share %s revoked", stamp.pk, share.pk)
    return share


@transaction.atomic
def revoke_shares_for_staff(share_ids) -> int:
    """The admin's revoke action: revoke every listed share that is not revoked yet."""
    count = Share.objects.filter(pk__in=list(share_ids), revoked_at__isnull=True).update(revoked_at=timezone.now())
    logger.info("staff revoked %s share(s)", count)
    return count


# --- invitations by email and SMS ------------------------------------------------------------
def _share_for_invitation(stamp: Stamp, share_code: str | None, options: dict) -> Share:
    """The existing share named by ``share_code``, or a new one (private unless asked otherwise)."""
    if not share_code:
        return _new_share(
            stamp,
            privacy=options.get("privacy") or Share.Privacy.PRIVATE,
            expires_at=options.get("expires_at"),
            password=options.get("password"),
            allow_replies=options.get("allow_replies", True),
        )
    share = Share.objects.select_for_update().filter(stamp=stamp, share_code=share_code).first()
    if share is None or selectors.share_state(share) != selectors.ShareState.ACTIVE:
        raise invalid({"share_code": ["No active share of this VoiceStamp has this code."]})
    return share


@transaction.atomic
def invite(
    user,
    stamp_id,
    *,
    channel: str,
    address: str,
    name: str = "",
    message: str = "",
    share_code: str | None = None,
    share_options: dict | None = None,
) -> tuple[Share, ShareRecipient, Delivery]:
    """Share a stamp with one person by email or SMS (template 100), sent by a job."""
    stamp = selectors.owned_stamp(user, stamp_id)
    share = _share_for_invitation(stamp, share_code, share_options or {})
    recipient = ShareRecipient.objects.create(
        share=share,
        channel=channel,
        name=name,
        email=address if channel == ShareRecipient.Channel.EMAIL else "",
        phone=address if channel == ShareRecipient.Channel.SMS else "",
        message=message,
        access_token=_token(),
        reply_token=_token(),
    )
    delivery = _queue_delivery(
        sender=user,
        channel=channel,
        purpose=Delivery.Purpose.SHARE_INVITATION,
        template_id=INVITATION_TEMPLATE,
        to_address=address,
        share=share,
        recipient=recipient,
    )
    logger.info(
        "stamp %s: share %s sent by %s to recipient %s (delivery %s)",
        stamp.pk,
        share.pk,
        channel,
        recipient.pk,
        delivery.pk,
    )
    return share, recipient, delivery


def _queue_delivery(
    *,
    sender,
    channel: str,
    purpose: str,
    template_id: int,
    to_address: str,
    share: Share | None = None,
    recipient: ShareRecipient | None = None,
    reply: Reply | None = None,
) -> Delivery:
    delivery = Delivery.objects.create(
        sender=sender,
        channel=channel,
        purpose=purpose,
        template_id=template_id,
        to_address=to_address,
        share=share,
        recipient=recipient,
        reply=reply,
    )
    delivery.job = jobs.start_job(
        "stamps.delivery",
        "stamps.send_delivery",
        subject=f"delivery:{delivery.pk}",
        payload={"delivery_id": delivery.pk},
    )
    delivery.save(update_fields=["job"])
    return delivery


def _context_for(delivery: Delivery) -> dict:
    share = delivery.share
    stamp = share.stamp if share else None
    owner = stamp.owner if stamp else delivery.sender
    context = {
        "owner_name": owner.name,
        "sender_name": delivery.sender.name,
        "stamp_title": stamp.title if stamp else "",
        "stamp_description": (stamp.description or "") if stamp else "",
        "share_code": share.share_code if share else "",
        "share_url": selectors.public_url(share) if share else "",
        "expires_at": share.expires_at if share else None,
    }
    if delivery.recipient is not None:
        context.update(
            recipient_name=delivery.recipient.name,
            message=delivery.recipient.message,
            share_url=selectors.recipient_url(delivery.recipient),
        )
    if delivery.reply is not None:
        reply = delivery.reply
        context.update(
            reply_message=reply.message,
            reply_has_audio=bool(reply.audio_key),
            replier_name=reply.name,
            # Links the owner can open from the email: the share as it is seen, and the recording.
            share_url=selectors.owner_preview_url(share) if share else "",
            reply_audio_url=object_storage.signed_url(
                reply.audio_key, expires=settings.STAMPS_EMAIL_LINK_TTL, content_type=reply.audio_content_type
            )
            if reply.audio_key
            else "",
        )
    return context


def _render(source: str, context: dict, *, autoescape: bool) -> str:
    return Template(source).render(Context(context, autoescape=autoescape)).strip()


def _send_email(delivery: Delivery, template: NotificationTemplate, context: dict) -> str:
    subject = " ".join(_render(template.subject, context, autoescape=False).split())
    text = _render(template.body, context, autoescape=False)
    html = render_to_string(
        "stamps/share/email.html",
        {
            "subject": subject,
            "body_html": mark_safe(linebreaks(_render(template.body, context, autoescape=True))),  # noqa: S308 - escaped above
            "share_url": context.get("share_url"),
        },
    )
    message_id = make_msgid(domain="voiceplatform")
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[delivery.to_address],
        headers={"Message-ID": message_id},
        connection=get_connection(fail_silently=False),
    )
    email.attach_alternative(html, "text/html")
    try:
        email.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise jobs.JobFailed(f"The mail server refused the message: {exc.__class__.__name__}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise jobs.TransientJobError(f"Mail server unavailable: {exc.__class__.__name__}") from exc
    return message_id


def _send_sms(delivery: Delivery, template: NotificationTemplate, context: dict) -> str:
    body = _render(template.body, context, autoescape=False)
    try:
        return sms_backend().send(delivery.to_address, body)
    except SmsRejected as exc:
        raise jobs.JobFailed(str(exc)) from exc
    except SmsUnavailable as exc:
        raise jobs.TransientJobError(str(exc)) from exc


def run_delivery(job_id) -> None:
    """Send one delivery; transient failures are retried, the rest recorded as the reason."""

    def work(ctx: jobs.JobContext):
        delivery = (
            Delivery.objects.select_related("sender", "share__stamp__owner", "recipient__share", "reply__recipient")
            .filter(pk=ctx.job.payload.get("delivery_id"))
            .first()
        )
        if delivery is None or delivery.state != Delivery.State.QUEUED:
            return
        if (
            delivery.purpose == Delivery.Purpose.SHARE_INVITATION
            and selectors.share_state(delivery.share) != selectors.ShareState.ACTIVE
        ):
            raise jobs.JobFailed(f"Not sent: the share was {selectors.share_state(delivery.share)} before sending.")
        template = NotificationTemplate.objects.filter(
            template_id=delivery.template_id, channel=delivery.channel
        ).first()
        if template is None:
            raise jobs.JobFailed(f"Notification template {delivery.template_id} ({delivery.channel}) is missing.")
        context = _context_for(delivery)
        send = _send_email if delivery.channel == NotificationTemplate.Channel.EMAIL else _send_sms
        try:
            provider_id = send(delivery, template, context)
        except jobs.TransientJobError as exc:
            Delivery.objects.filter(pk=delivery.pk).update(error=f"Retrying: {exc}")
            logger.warning("delivery %s (job %s) will be retried: %s", delivery.pk, ctx.job.pk, exc)
            raise
        with ctx.writing_results():
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.SENT, sent_at=timezone.now(), error="", provider_message_id=provider_id[:100]
            )
        logger.info("delivery %s sent by %s (job %s)", delivery.pk, delivery.channel, ctx.job.pk)

    jobs.run_job(job_id, work, on_failure=_delivery_failed)


def _delivery_failed(job: Job, reason: str) -> None:
    delivery_id = job.payload.get("delivery_id")
    Delivery.objects.filter(pk=delivery_id, state=Delivery.State.QUEUED).update(
        state=Delivery.State.FAILED, error=reason
    )
    logger.warning("delivery %s failed (job %s): %s", delivery_id, job.pk, reason)


# --- views --------------------------------------------------------------------------------
def record_view(share: Share, viewer: str) -> bool:
    """Count a view once per viewer per STAMPS_SHARE_VIEW_WINDOW (the window lives in the shared cache)."""
    key = f"stamps:share-view:{share.share_code}:{viewer}"
    if not cache.add(key, 1, timeout=settings.STAMPS_SHARE_VIEW_WINDOW):
        return False
    now = timezone.now()
    Share.objects.filter(pk=share.pk).update(view_count=F("view_count") + 1, last_viewed_at=now)
    share.view_count += 1
    share.last_viewed_at = now
    return True


# --- replies ------------------------------------------------------------------------------
def share_for_reply_token(token: str) -> tuple[Share, ShareRecipient | None]:
    """The share a reply token belongs to (a share's or an invited recipient's), if it is open."""
    token = selectors.clean_token(token)
    share = Share.objects.filter(reply_token=token).first() if token else None
    recipient = None
    if share is None and token:
        recipient = ShareRecipient.objects.select_related("share").filter(reply_token=token).first()
        share = recipient.share if recipient else None
    if share is None or not share.allow_replies:
        raise DomainError("not_found", "Reply token not found")
    selectors.share_for_code(share.share_code)  # revoked -> 404, expired -> 410
    return share, recipient


def submit_reply(token: str, *, message: str = "", audio_file=None, name: str = "") -> Reply:
    """Store a reply (the recording is checked by its content) and tell the owner by email."""
    share, recipient = share_for_reply_token(token)
    name = name.strip() or (recipient.name if recipient else "")
    if audio_file is None:
        return _record_reply(share, recipient, name, message, None, None)
    limits = AudioLimits(
        settings.STAMPS_REPLY_MAX_AUDIO_BYTES, settings.STAMPS_REPLY_MAX_AUDIO_SECONDS, REPLY_AUDIO_FORMATS
    )
    with audio_intake(audio_file, limits, f"stamps/{share.stamp_id}/replies", field="audio_file") as accepted:
        return _record_reply(share, recipient, name, message, accepted.stored, accepted.info.duration)


@transaction.atomic
def _record_reply(share: Share, recipient, name: str, message: str, stored, duration) -> Reply:
    reply = Reply.objects.create(
        share=share,
        recipient=recipient,
        name=name,
        message=message,
        audio_key=stored.key if stored else "",
        audio_content_type=stored.content_type if stored else "",
        audio_size=stored.size if stored else 0,
        audio_duration=duration,
    )
    owner = share.stamp.owner
    _queue_delivery(
        sender=owner,
        channel=NotificationTemplate.Channel.EMAIL,
        purpose=Delivery.Purpose.REPLY_NOTICE,
        template_id=REPLY_NOTICE_TEMPLATE,
        to_address=owner.email,
        share=share,
        reply=reply,
    )
    logger.info("share %s: reply %s received (audio: %s)", share.pk, reply.pk, bool(stored))
    return reply


# --- scheduled expiry ---------------------------------------------------------------------
def expire_due_shares(now=None) -> int:
    """Mark shares past their expiry as expired and tell each owner once.

    The conditional UPDATE is the guard: whichever run flips ``expired_at`` first
    sends the notice, so overlapping or repeated runs notify no one twice.
    """
    now = now or timezone.now()
    due = list(
        Share.objects.filter(expires_at__lte=now, expired_at__isnull=True, revoked_at__isnull=True).values_list(
            "pk", flat=True
        )[:500]
    )
    expired = 0
    for share_pk in due:
        with transaction.atomic():
            if not Share.objects.filter(pk=share_pk, expired_at__isnull=True).update(expired_at=now):
                continue
            share = Share.objects.select_related("stamp__owner").get(pk=share_pk)
            owner = share.stamp.owner
            _queue_delivery(
                sender=owner,
                channel=NotificationTemplate.Channel.EMAIL,
                purpose=Delivery.Purpose.SHARE_EXPIRED,
                template_id=SHARE_EXPIRED_TEMPLATE,
                to_address=owner.email,
                share=share,
            )
            expired += 1
    if expired:
        logger.info("expired %s share(s)", expired)
    return expired
