"""Reads of the voice catalogue and calibrations, with their relations loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

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


def user_tier_rank(user) -> int:
    """The rank of the user's tier: their subscription's, else the configured default tier's (-1 if
    neither exists). One rule, in ``user_marks``."""
    return user_marks(user).rank


def lowest_rank(tiers) -> int | None:
    """The rank from which a thing with these tiers is open: the lowest of them (None: it has no
    tiers, so it is open to everyone)."""
    return min((tier.rank for tier in tiers), default=None)


def rank_allows(needs: int | None, rank: int) -> bool:
    """Whether a user of ``rank`` may use what is open from ``needs`` on (None: to everyone)."""
    return needs is None or rank >= needs


def tiers_allow(tiers, rank: int) -> bool:
    """A thing with no tiers is open to everyone; otherwise one of its tiers must be within the user's rank."""
    return rank_allows(lowest_rank(tiers), rank)


def visible_voices(user) -> QuerySet[Voice]:
    """Published voices the user may see: every non-private one, and their own private ones."""
    return Voice.objects.filter(active=True).filter(~Q(visibility=Voice.Visibility.PRIVATE) | Q(owner=user))


def visible_voice(user, voice_id) -> Voice | None:
    return visible_voices(user).filter(pk=voice_id).first()


def with_user_details(queryset: QuerySet[Voice], user) -> QuerySet[Voice]:
    """The voices' tiers, accents (with their tiers and the user's settings) and narration styles, in
    a fixed number of queries: what an order and the settings endpoint check."""
    return queryset.prefetch_related(
        "tiers",
        Prefetch(
            "accents",
            queryset=Accent.objects.prefetch_related(
                "tiers",
                Prefetch("user_settings", queryset=AccentSetting.objects.filter(user=user), to_attr="mine"),
            ),
        ),
        "narration_styles",
    )


def voice_list(user, *, filters: dict[str, list[str]], sort: str, direction: str) -> QuerySet:
    """The ids of the voices the user may see, filtered and sorted."""
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
    return queryset.order_by(*ordering).values_list("pk", flat=True)


def private_voice_owners() -> set:
    """The users who own a published private voice (each sees a list of their own)."""
    return set(
        Voice.objects.filter(active=True, visibility=Voice.Visibility.PRIVATE).values_list("owner_id", flat=True)
    )


def voice_search(user, *, name: str, limit: int) -> list:
    queryset = visible_voices(user).filter(name__icontains=name).order_by("name", "id")
    return list(queryset.values_list("pk", flat=True)[:limit])


def voice_for_user(user, voice_id) -> Voice | None:
    return with_user_details(visible_voices(user).filter(pk=voice_id), user).first()


def catalogue_voices(voice_ids) -> list[Voice]:
    """The voices with everything every user sees of them (tiers, accents and their tiers, narration
    styles), whoever asks: the caller has checked that they may be seen."""
    return list(
        Voice.objects.filter(pk__in=voice_ids).prefetch_related(
            "tiers", Prefetch("accents", queryset=Accent.objects.prefetch_related("tiers")), "narration_styles"
        )
    )


@dataclass(frozen=True, slots=True)
class UserMarks:
    """What a catalogue response shows of one user's own."""

    rank: int  # of their tier: their subscription's, else the default tier's (-1 if neither exists)
    favorite_voices: frozenset
    accents: dict  # accent id -> (favorite, semitones correction)
    narration_styles: dict  # narration style id -> favorite


def _marks_sql() -> str:
    def table(model):
        return connection.ops.quote_name(model._meta.db_table)

    # The branch whose every column has a type comes first: PostgreSQL types a UNION's columns
    # pairwise from the left, and a column of only NULLs so far would be taken for text.
    # Identifiers come from the models' metadata; values are parameters.
    return f"""
        SELECT 'accent', accent_id, favorite, semitones_correction FROM {table(AccentSetting)} WHERE user_id = %s
        UNION ALL
        SELECT 'style', narration_style_id, favorite, NULL FROM {table(NarrationStyleSetting)} WHERE user_id = %s
        UNION ALL
        SELECT 'voice', voice_id, NULL, NULL FROM {table(VoiceFavorite)} WHERE user_id = %s
        UNION ALL
        SELECT 'subscribed', NULL, NULL, tier.{connection.ops.quote_name("rank")}
        FROM {table(Subscription)} subscription
        JOIN {table(SubscriptionTier)} tier ON tier.id = subscription.tier_id
        WHERE subscription.user_id = %s
        UNION ALL
        SELECT 'default', NULL, NULL, {connection.ops.quote_name("rank")} FROM {table(SubscriptionTier)} WHERE name = %s
    """  # noqa: S608


def _uuid(value) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)  # SQLite keeps UUIDs as hex text


def user_marks(user) -> UserMarks:
    """The user's tier rank, favourite voices, accent and narration style settings, in one query.

    Written in SQL because it runs for every catalogue response: built by the ORM, these were five
    queries of ~0.4 ms CPU each, nearly all of it composing SQL (docs/decisions/conversions.md)."""
    user_id = VoiceFavorite._meta.get_field("user").get_db_prep_value(user.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(_marks_sql(), [user_id] * 4 + [settings.CONVERSIONS_DEFAULT_TIER])
        rows = cursor.fetchall()
    subscribed = default = None
    favorite_voices, accents, styles = set(), {}, {}
    for kind, row_id, favorite, number in rows:
        if kind == "accent":
            accents[_uuid(row_id)] = (bool(favorite), number)
        elif kind == "style":
            styles[_uuid(row_id)] = bool(favorite)
        elif kind == "voice":
            favorite_voices.add(_uuid(row_id))
        elif kind == "subscribed":
            subscribed = int(number)
        else:
            default = int(number)
    rank = subscribed if subscribed is not None else default if default is not None else -1
    return UserMarks(rank, frozenset(favorite_voices), accents, styles)


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
