"""Sharing API: one serializer per input, plain functions for each output."""

from __future__ import annotations

import phonenumbers
from django.utils import timezone
from rest_framework import serializers

from core.storage import object_storage

from . import sharing_selectors as selectors
from .sharing_models import Delivery, Reply, Share, ShareRecipient

PASSWORD_MIN, PASSWORD_MAX = 4, 128


# --- inputs -------------------------------------------------------------------------------
class ShareOptionsIn(serializers.Serializer):
    privacy = serializers.ChoiceField(choices=Share.Privacy.choices, required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=PASSWORD_MAX)
    allow_replies = serializers.BooleanField(required=False, default=True)

    default_privacy = Share.Privacy.PUBLIC

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry must be in the future.")
        return value

    def validate(self, attrs):
        password = attrs.get("password") or ""
        # A password alone means a password share; otherwise the endpoint's default applies.
        privacy = attrs.get("privacy") or (Share.Privacy.PASSWORD if password else self.default_privacy)
        if privacy == Share.Privacy.PASSWORD and len(password) < PASSWORD_MIN:
            raise serializers.ValidationError(
                {"password": [f"A password share needs a password of at least {PASSWORD_MIN} characters."]}
            )
        if privacy != Share.Privacy.PASSWORD and password:
            raise serializers.ValidationError({"password": ["A password is only used with privacy \"password\"."]})
        attrs["privacy"] = privacy
        attrs["password"] = password or None
        return attrs


class InvitationIn(ShareOptionsIn):
    """Options shared by the email and SMS shares: reuse a share, or make a private one."""

    share_code = serializers.CharField(required=False, allow_blank=True, max_length=32)
    message = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")

    default_privacy = Share.Privacy.PRIVATE

    def validate(self, attrs):
        if attrs.get("share_code") and ({"privacy", "expires_at"} & set(self.initial_data or {}) or attrs.get("password")):
            raise serializers.ValidationError(
                {"share_code": ["Give either share_code (an existing share) or options for a new share, not both."]}
            )
        return super().validate(attrs)


class EmailShareIn(InvitationIn):
    recipient_email = serializers.EmailField(max_length=254)
    recipient_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")

    def validate_recipient_email(self, value):
        return value.strip().lower()


class SmsShareIn(InvitationIn):
    recipient_phone = serializers.CharField(max_length=32)
    recipient_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    message = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

    def validate_recipient_phone(self, value):
        """E.164 only: a leading + and the country code, so the number means the same everywhere."""
        text = value.strip()
        if not text.startswith("+"):
            raise serializers.ValidationError("Give the phone number in E.164 format, e.g. +14155552671.")
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            raise serializers.ValidationError("This is not a phone number.") from None
        if not phonenumbers.is_valid_number(number):
            raise serializers.ValidationError("This phone number is not valid.")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ReplyIn(serializers.Serializer):
    # Optional, so clients written before it existed keep working; the share page requires it.
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="",
                                 help_text="Who is replying, shown to the owner. Optional; an invited recipient "
                                           "who leaves it out is named as the owner invited them.")
    message = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    audio_file = serializers.FileField(required=False, allow_empty_file=False)

    def validate(self, attrs):
        if not attrs.get("message", "").strip() and attrs.get("audio_file") is None:
            raise serializers.ValidationError({"message": ["Write a message or attach an audio_file."]})
        attrs["message"] = attrs.get("message", "").strip()
        return attrs


class PageReplyIn(ReplyIn):
    """The share page's reply form: the same reply, and the page asks who is writing."""

    name = serializers.CharField(max_length=100, error_messages={
        "required": "Write your name, so the owner knows who replied.",
        "blank": "Write your name, so the owner knows who replied.",
    })


# --- outputs ------------------------------------------------------------------------------
def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def delivery_out(delivery: Delivery | None) -> dict | None:
    if delivery is None:
        return None
    return {
        "id": delivery.pk,
        "channel": delivery.channel,
        "state": delivery.state,
        "error": delivery.error or None,
        "created_at": _time(delivery.created_at),
        "sent_at": _time(delivery.sent_at),
    }


def recipient_out(recipient: ShareRecipient) -> dict:
    return {
        "id": recipient.pk,
        "channel": recipient.channel,
        "name": recipient.name,
        "email": recipient.email or None,
        "phone": recipient.phone or None,
        "reply_token": recipient.reply_token,
        "delivery": delivery_out(selectors.latest_delivery(recipient)),
        "created_at": _time(recipient.created_at),
    }


def share_out(share: Share) -> dict:
    return {
        "share_code": share.share_code,
        "public_url": selectors.public_url(share),
        "privacy": share.privacy,
        "status": selectors.share_state(share),
        "expires_at": _time(share.expires_at),
        "revoked_at": _time(share.revoked_at),
        "allow_replies": share.allow_replies,
        "reply_token": share.reply_token if share.allow_replies else None,
        "view_count": share.view_count,
        "last_viewed_at": _time(share.last_viewed_at),
        "created_at": _time(share.created_at),
        "recipients": [recipient_out(r) for r in share.recipients.all()],
    }


def reply_out(reply: Reply, request=None) -> dict:
    audio = None
    if reply.audio_key:
        audio = {
            "url": object_storage.signed_url(reply.audio_key, content_type=reply.audio_content_type, request=request,
                                             filename=reply.audio_key.rsplit("/", 1)[-1]),
            "content_type": reply.audio_content_type,
            "size": reply.audio_size,
            "duration": reply.audio_duration,
        }
    return {
        "id": reply.pk,
        "share_code": reply.share.share_code,
        "name": reply.name,
        "message": reply.message,
        "audio": audio,
        "from": {"recipient_id": reply.recipient_id, "name": reply.recipient.name,
                 "channel": reply.recipient.channel} if reply.recipient else None,
        "created_at": _time(reply.created_at),
    }


def public_share_out(access: selectors.Access, content: selectors.ShareContent) -> dict:
    share, stamp = access.share, content.stamp
    return {
        "share": {
            "share_code": share.share_code,
            "privacy": share.privacy,
            "expires_at": _time(share.expires_at),
            "allow_replies": share.allow_replies,
            "reply_token": access.reply_token,
        },
        "voicestamp": {
            "id": stamp.pk,
            "title": stamp.title,
            "description": stamp.description,
            "voice_tags": stamp.voice_tags,
            "timestamps": stamp.timestamps,
            "drawings": stamp.drawings,
            "transcription": stamp.transcription,
            "translations": stamp.translations,
            "created_at": _time(stamp.created_at),
            "updated_at": _time(stamp.updated_at),
        },
        "audio": content.audio.as_dict() if content.audio else None,
        "image": content.image.as_dict() if content.image else None,
        "thumbnail": content.thumbnail.as_dict() if content.thumbnail else None,
        "audio_url": content.audio.url if content.audio else None,
        "image_url": content.image.url if content.image else None,
        "thumbnail_url": content.thumbnail.url if content.thumbnail else None,
    }


def public_data_out(access: selectors.Access) -> dict:
    share, stamp = access.share, access.share.stamp
    counts = selectors.view_counts(share)
    return {
        "voicestamp": {
            "id": stamp.pk,
            "title": stamp.title,
            "description": stamp.description,
            "conversion_status": stamp.conversion_status,
            "metadata": stamp.metadata,
            "voice_tag_count": len(stamp.voice_tags or []),
            "file_size_bytes": stamp.file_size_bytes,
            "owner_name": stamp.owner.name,
            "created_at": _time(stamp.created_at),
            "updated_at": _time(stamp.updated_at),
        },
        "sharing": {
            "share_code": share.share_code,
            "public_url": selectors.public_url(share),
            "privacy": share.privacy,
            "password_protected": share.privacy == Share.Privacy.PASSWORD,
            "status": selectors.share_state(share),
            "expires_at": _time(share.expires_at),
            "allow_replies": share.allow_replies,
            "created_at": _time(share.created_at),
        },
        "views": {
            "share_views": counts["share_views"],
            "stamp_views": counts["stamp_views"],
            "last_viewed_at": _time(share.last_viewed_at),
        },
    }
