"""Sharing API: one serializer per input and per output (the public share's two bodies are
still built by plain functions, described in schema.py)."""

from __future__ import annotations

import phonenumbers
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import BlankAsNullCharField, Serializer
from core.storage import object_storage

from .. import selectors
from ..models import Reply, Share, ShareRecipient

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
            raise serializers.ValidationError({"password": ['A password is only used with privacy "password".']})
        attrs["privacy"] = privacy
        attrs["password"] = password or None
        return attrs


class InvitationIn(ShareOptionsIn):
    """Options shared by the email and SMS shares: reuse a share, or make a private one."""

    share_code = serializers.CharField(required=False, allow_blank=True, max_length=32)
    message = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")

    default_privacy = Share.Privacy.PRIVATE

    def validate(self, attrs):
        if attrs.get("share_code") and (
            {"privacy", "expires_at"} & set(self.initial_data or {}) or attrs.get("password")
        ):
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
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text="Who is replying, shown to the owner. Optional; an invited recipient "
        "who leaves it out is named as the owner invited them.",
    )
    message = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    audio_file = serializers.FileField(required=False, allow_empty_file=False)

    def validate(self, attrs):
        if not attrs.get("message", "").strip() and attrs.get("audio_file") is None:
            raise serializers.ValidationError({"message": ["Write a message or attach an audio_file."]})
        attrs["message"] = attrs.get("message", "").strip()
        return attrs


class PageReplyIn(ReplyIn):
    """The share page's reply form: the same reply, and the page asks who is writing."""

    name = serializers.CharField(
        max_length=100,
        error_messages={
            "required": "Write your name, so the owner knows who replied.",
            "blank": "Write your name, so the owner knows who replied.",
        },
    )


# --- outputs ------------------------------------------------------------------------------
# One serializer per output of the owner's side: drf-spectacular documents what is returned.
STATES = ("active", "expired", "revoked")


class ShareDeliveryOut(Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=ShareRecipient.Channel.choices)
    state = serializers.CharField(help_text="queued, sending, sent or failed.")
    error = BlankAsNullCharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class ShareRecipientOut(Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=ShareRecipient.Channel.choices)
    name = serializers.CharField()
    email = BlankAsNullCharField()
    phone = BlankAsNullCharField(help_text="E.164.")
    reply_token = serializers.CharField(help_text="The token this recipient replies with.")
    delivery = serializers.SerializerMethodField(help_text="The latest delivery to this recipient.")
    created_at = serializers.DateTimeField()

    @extend_schema_field(ShareDeliveryOut(allow_null=True))
    def get_delivery(self, recipient: ShareRecipient) -> dict | None:
        delivery = selectors.latest_delivery(recipient)
        return ShareDeliveryOut(delivery).data if delivery is not None else None


class ShareOut(Serializer):
    share_code = serializers.CharField()
    public_url = serializers.SerializerMethodField()
    privacy = serializers.ChoiceField(choices=Share.Privacy.choices)
    status = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    allow_replies = serializers.BooleanField()
    reply_token = serializers.SerializerMethodField(help_text="Null when replies are off.")
    view_count = serializers.IntegerField()
    last_viewed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    recipients = ShareRecipientOut(many=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_public_url(self, share: Share) -> str:
        return selectors.public_url(share)

    @extend_schema_field(serializers.ChoiceField(choices=STATES))
    def get_status(self, share: Share) -> str:
        return selectors.share_state(share)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_reply_token(self, share: Share) -> str | None:
        return share.reply_token if share.allow_replies else None


class ShareCreatedOut(Serializer):
    """The new share, its code, link and reply token also at the top level."""

    share_code = serializers.CharField()
    public_url = serializers.SerializerMethodField()
    reply_token = serializers.SerializerMethodField()
    share = ShareOut(source="*")

    get_public_url = ShareOut.get_public_url
    get_reply_token = ShareOut.get_reply_token


class ShareEnvelopeOut(Serializer):
    share = ShareOut()


class ReplyAudioOut(Serializer):
    url = serializers.SerializerMethodField(
        help_text="A signed URL that plays the recording (Range requests), short-lived."
    )
    content_type = serializers.CharField(source="audio_content_type")
    size = serializers.IntegerField(source="audio_size")
    duration = serializers.FloatField(source="audio_duration", allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, reply: Reply) -> str:
        return object_storage.signed_url(
            reply.audio_key,
            content_type=reply.audio_content_type,
            request=self.context.get("request"),
            filename=reply.audio_key.rsplit("/", 1)[-1],
        )


class ReplyFromOut(Serializer):
    recipient_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    channel = serializers.ChoiceField(choices=ShareRecipient.Channel.choices)


class ReplyOut(Serializer):
    id = serializers.IntegerField()
    share_code = serializers.CharField(source="share.share_code")
    name = serializers.CharField(help_text="The name the replier gave (the share page asks for it).")
    message = serializers.CharField(allow_blank=True)
    audio = serializers.SerializerMethodField()
    # "from" is a Python keyword: the field is added in get_fields.
    created_at = serializers.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = ReplyFromOut(
            source="recipient", allow_null=True, help_text="The invited recipient, or null for a share link."
        )
        return fields

    @extend_schema_field(ReplyAudioOut(allow_null=True))
    def get_audio(self, reply: Reply) -> dict | None:
        return ReplyAudioOut(reply, context=self.context).data if reply.audio_key else None


class ReplyEnvelopeOut(Serializer):
    reply = ReplyOut()


def _time(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


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
