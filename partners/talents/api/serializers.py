"""Output of the talent endpoints: talents with their demos and the URLs of their public pages
(absolute: views pass the request in the context)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import Serializer

PLAYER_STYLES = (
    "voices_standard",
    "light_standard",
    "light_standard_timer",
    "light_standard_complete",
    "dark_standard",
    "dark_standard_timer",
    "dark_standard_complete",
)


def _absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(f"partners:{name}", kwargs=kwargs))


@extend_schema_field(OpenApiTypes.URI)
class PageUrlField(serializers.Field):
    """The absolute URL of one of the public partner pages of the object (by its ``public_id``)."""

    def __init__(self, url_name: str, player_style: str | None = None, **kwargs):
        self.url_name = url_name
        self.player_style = player_style
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj) -> str:
        kwargs = {"public_id": obj.public_id}
        if self.player_style is not None:
            kwargs["style"] = self.player_style
        return _absolute(self.context["request"], self.url_name, **kwargs)


# The demo's audio and one embeddable player per documented style.
DemoUrlsOut = type(
    "DemoUrlsOut",
    (serializers.Serializer,),
    {
        "audio_url": PageUrlField("demo-audio"),
        **{style: PageUrlField("demo-player", player_style=style.replace("_", "-")) for style in PLAYER_STYLES},
    },
)


class DemoOut(Serializer):
    url = DemoUrlsOut(source="*")
    tags = serializers.ListField(child=serializers.CharField())


class TalentOut(Serializer):
    talent_id = serializers.IntegerField(source="pk")
    talent_url = PageUrlField("talent-page")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    gender = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    feedback = serializers.CharField()
    avatar = serializers.SerializerMethodField()
    demo = DemoOut(source="demos", many=True)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_avatar(self, talent) -> str | None:
        if not talent.avatar_key:
            return None
        return _absolute(self.context["request"], "talent-avatar", public_id=talent.public_id)
