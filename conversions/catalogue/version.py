"""The catalogue's version: a token in the shared cache that names what every user sees of the
voices (``api/rendering.py`` keeps that part in process memory under it).

Any change to a voice, accent, narration style, tier or their tier links replaces the token, at once
and again when it commits: the signals below catch saves, deletes and M2M changes wherever they come
from (services, the admin and its inlines, the seed); paths that bypass signals (queryset
``update()``) call ``catalogue_changed()``. At once, so that the changing transaction's own reads
show the change; after commit, because another request may have read the catalogue between the two,
before the change was visible to it, and kept that under the first new token. A request that read a
token before a replacement stores what it read under that token, which nobody asks for again.

The token is a fresh random value each time, so a cleared or culled cache can never bring an old
version back; it also expires after ``MAX_AGE``, which bounds how long a change made around Django
(an SQL console, a restore) stays unseen.
"""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Accent, NarrationStyle, SubscriptionTier, Voice

KEY = "conversions:catalogue-version"
MAX_AGE = 600


def current() -> str:
    token = cache.get(KEY)
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(KEY, token, MAX_AGE):
            # Another process got there first: share its token (or keep ours if it is gone again).
            token = cache.get(KEY) or token
    return token


def _replace() -> None:
    cache.set(KEY, secrets.token_hex(8), MAX_AGE)


def catalogue_changed() -> None:
    """Give the catalogue a new version now and again when the current transaction commits."""
    _replace()
    # robust: the change is committed whatever the cache does; a lost replacement lasts MAX_AGE at most.
    transaction.on_commit(_replace, robust=True)


def _changed(sender, **kwargs) -> None:
    catalogue_changed()


def _links_changed(sender, action, **kwargs) -> None:
    # Not on pre_*: outside a transaction, nothing would replace the token after the links are written.
    if action.startswith("post_"):
        catalogue_changed()


def connect_signals() -> None:
    for model in (Voice, Accent, NarrationStyle, SubscriptionTier):
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-version-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalogue-version-delete-{model.__name__}")
    for through in (Voice.tiers.through, Accent.tiers.through):
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"catalogue-version-m2m-{through.__name__}")
