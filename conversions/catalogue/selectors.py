"""Reads of the voice catalogue and calibrations, with their relations loaded once."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from .models import (
    Accent,
    AccentSetting,
    Calibration,
    NarrationStyle,
    NarrationStyleSetting,
    Subscription,
    SubscriptionTier,
    Voice,
    VoiceFavorite,
)

VOICE_SORTS = {
    "name": ("name",),
    "pitch": ("pitch",),
    "rating": ("rating",),
    "created_at": ("created_at",),
}
VOICE_FILTERS = ("visibility", "species", "gender", "age_group", "pitch_group", "nationality")


def user_tier(user) -> SubscriptionTier | None:
    """The user's tier: their subscription's, else the configured default (None if that tier does not exist)."""
    subscription = Subscription.objects.select_related("tier").filter(user=user).first()
    if subscription is not None:
        return subscription.tier
    return SubscriptionTier.objects.filter(name=settings.CONVERSIONS_DEFAULT_TIER).first()


def user_tier_rank(user) -> int:
    tier = user_tier(user)
    return tier.rank if tier is not None else -1


def tiers_allow(tiers, rank: int) -> bool:
    """A thing with no tiers is open to everyone; otherwise one of its tiers must be within the user's rank."""
    tiers = list(tiers)
    return not tiers or any(tier.rank <= rank for tier in tiers)


def visible_voices(user) -> QuerySet[Voice]:
    """Published voices the user may see: every non-private one, and their own private ones."""
    return Voice.objects.filter(active=True).filter(~Q(visibility=Voice.Visibility.PRIVATE) | Q(owner=user))


def with_user_details(queryset: QuerySet[Voice], user) -> QuerySet[Voice]:
    """Everything VoicePublic shows for ``user``, in a fixed number of queries."""
    return queryset.annotate(
        is_favorite=Exists(VoiceFavorite.objects.filter(user=user, voice=OuterRef("pk"))),
    ).prefetch_related(
        "tiers",
        Prefetch(
            "accents",
            queryset=Accent.objects.prefetch_related(
                "tiers",
                Prefetch("user_settings", queryset=AccentSetting.objects.filter(user=user), to_attr="mine"),
            ),
        ),
        Prefetch(
            "narration_styles",
            queryset=NarrationStyle.objects.prefetch_related(
                Prefetch("user_settings", queryset=NarrationStyleSetting.objects.filter(user=user), to_attr="mine"),
            ),
        ),
    )


def voice_list(user, *, filters: dict[str, list[str]], sort: str, direction: str) -> QuerySet[Voice]:
    queryset = visible_voices(user)
    for name in VOICE_FILTERS:
        values = filters.get(name)
        if not values:
            continue
        if name == "nationality":
            # Free text ("british", "British"): any of the values, ignoring case.
            matches = Q()
            for value in values:
                matches |= Q(nationality__iexact=value)
            queryset = queryset.filter(matches)
        else:
            queryset = queryset.filter(**{f"{name}__in": values})
    if sort == "default":
        # The curators' order; direction applies to the named sorts.
        ordering = ["sort_order", "name", "id"]
    else:
        prefix = "-" if direction == "desc" else ""
        ordering = [f"{prefix}{field}" for field in VOICE_SORTS[sort]] + [f"{prefix}id"]
    return with_user_details(queryset.order_by(*ordering), user)


def voice_search(user, *, name: str, limit: int) -> list[Voice]:
    queryset = visible_voices(user).filter(name__icontains=name).order_by("name", "id")
    return list(with_user_details(queryset, user)[:limit])


def voice_for_user(user, voice_id) -> Voice | None:
    return with_user_details(visible_voices(user).filter(pk=voice_id), user).first()


def accent_for_user(user, accent_id) -> Accent | None:
    return Accent.objects.select_related("voice").filter(pk=accent_id, voice__in=visible_voices(user)).first()


def narration_style_for_user(user, style_id) -> NarrationStyle | None:
    return NarrationStyle.objects.select_related("voice").filter(pk=style_id, voice__in=visible_voices(user)).first()


# --- calibrations -------------------------------------------------------------------
def calibrations_of(user, *, search: str = "", direction: str = "desc") -> QuerySet[Calibration]:
    queryset = Calibration.objects.filter(user=user)
    if search:
        queryset = queryset.filter(name__icontains=search)
    return queryset.order_by(*(("created_at", "id") if direction == "asc" else ("-created_at", "-id")))


def calibration_of(user, calibration_id) -> Calibration | None:
    return Calibration.objects.filter(user=user, pk=calibration_id).first()


def enabled_calibration(user) -> Calibration | None:
    return Calibration.objects.filter(user=user, enabled=True).first()
