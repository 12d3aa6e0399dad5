"""The shapes of the public share's two responses, for the OpenAPI document.

Those two bodies are still built by plain functions in serializers.py; these describe the
same shapes field by field. tests/stamps/test_sharing_schema.py checks them against real
responses. The owner's outputs are serializers in serializers.py and need no copy here.
"""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from ..models import Share
from .serializers import STATES


class ShareMediaLinkOut(serializers.Serializer):
    url = serializers.URLField(help_text="Signed, short-lived, answers Range requests.")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    expires_in = serializers.IntegerField(help_text="Seconds the URL stays valid.")
    width = serializers.IntegerField(required=False)
    height = serializers.IntegerField(required=False)
    duration = serializers.FloatField(required=False)


_JSON_LIST = serializers.ListField(child=serializers.DictField())

PublicShareOut = inline_serializer(
    "PublicShareOut",
    {
        "share": inline_serializer(
            "PublicShareSummary",
            {
                "share_code": serializers.CharField(),
                "privacy": serializers.ChoiceField(choices=Share.Privacy.choices),
                "expires_at": serializers.DateTimeField(allow_null=True),
                "allow_replies": serializers.BooleanField(),
                "reply_token": serializers.CharField(
                    allow_null=True, help_text="Reply with POST /api/v1/security/vst/reply/{token}."
                ),
                "view_count": serializers.IntegerField(),
            },
        ),
        "voicestamp": inline_serializer(
            "PublicStamp",
            {
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
            },
        ),
        "audio": ShareMediaLinkOut(allow_null=True),
        "image": ShareMediaLinkOut(allow_null=True),
        "thumbnail": ShareMediaLinkOut(allow_null=True),
        "audio_url": serializers.URLField(allow_null=True),
        "image_url": serializers.URLField(allow_null=True),
        "thumbnail_url": serializers.URLField(allow_null=True),
        "view_counted": serializers.BooleanField(help_text="Whether this request counted as a view (track_view)."),
    },
)

PublicShareDataOut = inline_serializer(
    "PublicShareDataOut",
    {
        "voicestamp": inline_serializer(
            "PublicStampData",
            {
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
            },
        ),
        "sharing": inline_serializer(
            "PublicSharing",
            {
                "share_code": serializers.CharField(),
                "public_url": serializers.URLField(),
                "privacy": serializers.ChoiceField(choices=Share.Privacy.choices),
                "password_protected": serializers.BooleanField(),
                "status": serializers.ChoiceField(choices=STATES),
                "expires_at": serializers.DateTimeField(allow_null=True),
                "allow_replies": serializers.BooleanField(),
                "created_at": serializers.DateTimeField(),
            },
        ),
        "views": inline_serializer(
            "PublicShareViews",
            {
                "share_views": serializers.IntegerField(),
                "stamp_views": serializers.IntegerField(),
                "last_viewed_at": serializers.DateTimeField(allow_null=True),
            },
        ),
    },
)
