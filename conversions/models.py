"""Every model of the conversions app, re-exported by name from its sub-domain package, so that
Django registers them all when it loads the app and ``from conversions.models import X`` works."""

from conversions.catalogue.models import (
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
from conversions.library.models import Folder, Note, Project, Recording, TtsVoice
from conversions.orders.models import Order

__all__ = [
    "Accent",
    "AccentSetting",
    "Calibration",
    "Folder",
    "NarrationStyle",
    "NarrationStyleSetting",
    "Note",
    "Order",
    "Project",
    "Recording",
    "Subscription",
    "SubscriptionTier",
    "TtsVoice",
    "Voice",
    "VoiceFavorite",
]
