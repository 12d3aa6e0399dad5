"""The shapes of the sharing responses, for the OpenAPI document.

The responses are built by the plain functions in sharing_serializers (one per output, fast
for lists); these serializers describe the same shapes field by field so clients see them.
tests/stamps/test_sharing_schema.py checks each against a real response.
"""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from .sharing_models import Share, ShareRecipient

STATES = ("active", "expired", "revoked")


class ShareDeliveryOut(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=ShareRecipient.Channel.choices)
    state = serializers.CharField(help_text="queued, sending, sent or failed.")
    error = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class ShareRecipientOut(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=ShareRecipient.Channel.choices)
    name = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True, help_text="E.164.")
    reply_token = serializers.CharField(help_text="The token this recipient replies with.")
    delivery = ShareDeliveryOut(allow_null=True, help_text="The latest delivery to this recipient.")
    created_at = serializers.DateTimeField()


class ShareOut(serializers.Serializer):
    share_code = serializers.CharField()
    public_url = serializers.URLField()
    privacy = serializers.ChoiceField(choices=Share.Privacy.choices)
    status = serializers.ChoiceField(choices=STATES)
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    allow_replies = serializers.BooleanField()
    reply_token = serializers.CharField(allow_null=True, help_text="Null when replies are off.")
    view_count = serializers.IntegerField()
    last_viewed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    recipients = ShareRecipientOut(many=True)


class ShareCreatedOut(serializers.Serializer):
    share_code = serializers.CharField()
    public_url = serializers.URLField()
    reply_token = serializers.CharField(allow_null=True)
    share = ShareOut()


class ShareEnvelopeOut(serializers.Serializer):
    share = ShareOut()


class ReplyAudioOut(serializers.Serializer):
    url = serializers.URLField(help_text="A signed URL that plays the recording (Range requests), short-lived.")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    duration = serializers.FloatField(allow_null=True)


class ReplyFromOut(serializers.Serializer):
    recipient_id = serializers.IntegerField()
    name = serializers.CharField()
    channel = serializers.ChoiceField(choices=ShareRecipient.Channel.choices)


class ReplyOut(serializers.Serializer):
    id = serializers.IntegerField()
    share_code = serializers.CharField()
    message = serializers.CharField()
    audio = ReplyAudioOut(allow_null=True)
    # "from" is a Python keyword: the field is declared below.
    created_at = serializers.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = ReplyFromOut(allow_null=True, help_text="The invited recipient, or null for a share link.")
        return fields


class ReplyEnvelopeOut(serializers.Serializer):
    reply = ReplyOut()


class ShareMediaLinkOut(serializers.Serializer):
    url = serializers.URLField(help_text="Signed, short-lived, answers Range requests.")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    expires_in = serializers.IntegerField(help_text="Seconds the URL stays valid.")
    width = serializers.IntegerField(required=False)
    height = serializers.IntegerField(required=False)
    duration = serializers.FloatField(required=False)


_JSON_LIST = serializers.ListField(child=serializers.DictField())

PublicShareOut = inline_serializer("PublicShareOut", {
    "share": inline_serializer("PublicShareSummary", {
        "share_code": serializers.CharField(),
        "privacy": serializers.ChoiceField(choices=Share.Privacy.choices),
        "expires_at": serializers.DateTimeField(allow_null=True),
        "allow_replies": serializers.BooleanField(),
        "reply_token": serializers.CharField(allow_null=True, help_text="Reply with POST /api/v1/security/vst/reply/{token}."),
        "view_count": serializers.IntegerField(),
    }),
    "voicestamp": inline_serializer("PublicStamp", {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "description": serializers.CharField(allow_null=True),
        "voice_tags": _JSON_LIST,
        "timestamps": _JSON_LIST,
        "drawings": _JSON_LIST,
        "transcription": serializers.DictField(allow_null=True),
        "translations": _JSON_LIST,
        "created_at": serializers.DateTimeField(),
        "updated_at": serializers.DateTimeField(),
    }),
    "audio": ShareMediaLinkOut(allow_null=True),
    "image": ShareMediaLinkOut(allow_null=True),
    "thumbnail": ShareMediaLinkOut(allow_null=True),
    "audio_url": serializers.URLField(allow_null=True),
    "image_url": serializers.URLField(allow_null=True),
    "thumbnail_url": serializers.URLField(allow_null=True),
    "view_counted": serializers.BooleanField(help_text="Whether this request counted as a view (track_view)."),
})

PublicShareDataOut = inline_serializer("PublicShareDataOut", {
    "voicestamp": inline_serializer("PublicStampData", {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "description": serializers.CharField(allow_null=True),
        "conversion_status": serializers.CharField(),
        "metadata": serializers.DictField(),
        "voice_tag_count": serializers.IntegerField(),
        "file_size_bytes": serializers.IntegerField(allow_null=True),
        "owner_name": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "updated_at": serializers.DateTimeField(),
    }),
    "sharing": inline_serializer("PublicSharing", {
        "share_code": serializers.CharField(),
        "public_url": serializers.URLField(),
        "privacy": serializers.ChoiceField(choices=Share.Privacy.choices),
        "password_protected": serializers.BooleanField(),
        "status": serializers.ChoiceField(choices=STATES),
        "expires_at": serializers.DateTimeField(allow_null=True),
        "allow_replies": serializers.BooleanField(),
        "created_at": serializers.DateTimeField(),
    }),
    "views": inline_serializer("PublicShareViews", {
        "share_views": serializers.IntegerField(),
        "stamp_views": serializers.IntegerField(),
        "last_viewed_at": serializers.DateTimeField(allow_null=True),
    }),
})
