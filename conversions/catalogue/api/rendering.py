"""Voices as the API shows them (VoicePublic), in two parts.

What every user sees of a voice, its accents and narration styles is rendered by the catalogue
serializers once per catalogue version (``version.py``) and kept in this process's memory, with the
lowest tier rank at which the voice and each accent are available. What is the caller's is added per
request: their favourite, availability on their tier, accent and narration style settings, and the
image URLs, signed for each response because they expire.

The voice list's ids are kept per version too (``voice_list``). A page then costs one query, for what
is the user's (``selectors.user_marks``); the catalogue's queries run only for what this process has
not read in the current version. docs/decisions/conversions.md says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from core.storage import object_storage

from .. import selectors, version
from .serializers import (
    AccentCatalogueOutput,
    AccentOutput,
    NarrationStyleCatalogueOutput,
    NarrationStyleOutput,
    VoiceCatalogueOutput,
    VoiceOutput,
)

# Each kept body has every key of the full output, in its order; the caller's keys hold None until
# a response's copy is given their values (assigning a key keeps its place).
_VOICE_KEYS = tuple(VoiceOutput.Meta.fields)
_ACCENT_KEYS = tuple(AccentOutput().fields)
_STYLE_KEYS = tuple(NarrationStyleOutput().fields)


@dataclass(frozen=True, slots=True)
class _Accent:
    id: UUID
    body: dict
    needs: int | None  # the lowest tier rank it is available at (its voice's tiers and its own); None: any


@dataclass(frozen=True, slots=True)
class _Style:
    id: UUID
    body: dict


@dataclass(frozen=True, slots=True)
class _Voice:
    body: dict
    image_key: str
    thumbnail_key: str
    needs: int | None
    accents: tuple[_Accent, ...]
    styles: tuple[_Style, ...]


@dataclass(frozen=True, slots=True)
class ListedIds:
    """A voice list's ids kept in memory, which the pagination counts and slices like a queryset."""

    ids: tuple

    def count(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        return self.ids[index]


# Voice lists kept per version: their filters are free text (nationality), so their number is bounded.
_LISTS_KEPT = 256


class _Rendered:
    """What one catalogue version renders. Only ever added to: a new version gets a new one."""

    def __init__(self, token: str):
        self.token = token
        self.voices: dict[UUID, _Voice] = {}
        self.lists: dict[tuple, tuple] = {}
        self.private_owners: frozenset | None = None  # read on first use

    def voice_list(self, user, *, filters: dict, sort: str, direction: str):
        if self.private_owners is None:
            self.private_owners = frozenset(selectors.private_voice_owners())
        if user.pk in self.private_owners:
            # Their own private voices are in their list: it is theirs alone.
            return selectors.voice_list(user, filters=filters, sort=sort, direction=direction)
        key = (sort, direction, *((name, tuple(values)) for name, values in filters.items() if values))
        ids = self.lists.get(key)
        if ids is None:
            ids = tuple(selectors.voice_list(user, filters=filters, sort=sort, direction=direction))
            if len(self.lists) < _LISTS_KEPT:
                self.lists[key] = ids
        return ListedIds(ids)

    def voices_for(self, voice_ids) -> dict[UUID, _Voice]:
        missing = [voice_id for voice_id in voice_ids if voice_id not in self.voices]
        if missing:
            self.voices.update(_render(selectors.catalogue_voices(missing)))
        return self.voices


_rendered = _Rendered("")


def _current() -> _Rendered:
    global _rendered
    token = version.current()
    if _rendered.token != token:
        # One reference swapped at once: a thread still on the old version adds to the old one.
        _rendered = _Rendered(token)
    return _rendered


def _in_order(keys, data) -> dict:
    return {key: data.get(key) for key in keys}


def _needs(*ranks: int | None) -> int | None:
    """The rank that passes every one of these thresholds (None: no threshold)."""
    return max((rank for rank in ranks if rank is not None), default=None)


def _render(voices) -> dict[UUID, _Voice]:
    voice_output = VoiceCatalogueOutput()
    accent_output = AccentCatalogueOutput()
    style_output = NarrationStyleCatalogueOutput()
    rendered = {}
    for voice in voices:
        needs = selectors.lowest_rank(voice.tiers.all())
        rendered[voice.pk] = _Voice(
            body=_in_order(_VOICE_KEYS, voice_output.to_representation(voice)),
            image_key=voice.image_key,
            thumbnail_key=voice.thumbnail_key,
            needs=needs,
            accents=tuple(
                _Accent(
                    accent.pk,
                    _in_order(_ACCENT_KEYS, accent_output.to_representation(accent)),
                    _needs(needs, selectors.lowest_rank(accent.tiers.all())),
                )
                for accent in voice.accents.all()
            ),
            styles=tuple(
                _Style(style.pk, _in_order(_STYLE_KEYS, style_output.to_representation(style)))
                for style in voice.narration_styles.all()
            ),
        )
    return rendered


def _url(key: str, request) -> str | None:
    return object_storage.signed_url(key, request=request) if key else None


def voice_list(user, *, filters: dict, sort: str, direction: str):
    """The ids of the voices the user may see, filtered and sorted (``selectors.voice_list``): read
    once per version, filters and sort for every user who owns no private voice, since they all see
    the same list; read for each request of a user who does."""
    return _current().voice_list(user, filters=filters, sort=sort, direction=direction)


def render_voices(voice_ids, user, request) -> list[dict]:
    """VoiceOutput of each voice, in order, for ``user``, who may see them (the selectors' ids)."""
    if not voice_ids:
        return []
    catalogue = _current().voices_for(voice_ids)
    marks = selectors.user_marks(user)
    rank = marks.rank
    bodies = []
    for voice_id in voice_ids:
        voice = catalogue.get(voice_id)
        if voice is None:  # deleted since the page was read
            continue
        # A shallow copy: the kept nested values (tiers, info, effects) are shared by every
        # response of this version, so nothing may change them in place.
        body = voice.body.copy()
        body["image_url"] = _url(voice.image_key, request)
        body["thumbnail_url"] = _url(voice.thumbnail_key, request)
        body["favorite"] = voice_id in marks.favorite_voices
        body["available"] = selectors.rank_allows(voice.needs, rank)
        accents = []
        for accent in voice.accents:
            favorite, correction = marks.accents.get(accent.id, (False, 0.0))
            accents.append(
                {
                    **accent.body,
                    "available": selectors.rank_allows(accent.needs, rank),
                    "settings": {"favorite": favorite, "semitones_correction": correction},
                }
            )
        body["accents"] = accents
        body["narration_styles"] = [
            {**style.body, "settings": {"favorite": marks.narration_styles.get(style.id, False)}}
            for style in voice.styles
        ]
        bodies.append(body)
    return bodies
