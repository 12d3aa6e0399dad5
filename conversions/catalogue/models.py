"""The voice catalogue and calibrations.

A voice carries the engine parameters that make it sound like itself (its pitch, a
formant ratio, intonation range, breathiness); each accent and narration style
changes them further. Availability comes from subscription tiers: a user's tier
(``Subscription``, else ``settings.CONVERSIONS_DEFAULT_TIER``) makes a voice or an
accent available when its rank reaches the rank of one of their tiers.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

CALIBRATION_NAME_PATTERN = r"^[a-zA-Z0-9 -]+$"
SEMITONES_CORRECTION_LIMIT = 12


class SubscriptionTier(models.Model):
    """A plan level. A higher ``rank`` includes every lower one."""

    name = models.CharField(max_length=50, unique=True)
    rank = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["rank"]

    def __str__(self):
        return self.name


class Subscription(models.Model):
    """The tier a user is on (users without one are on the default tier)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_subscription")
    tier = models.ForeignKey(SubscriptionTier, on_delete=models.PROTECT, related_name="subscriptions")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user} on {self.tier}"


class Voice(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public"
        PAID = "paid"
        PRIVATE = "private"
        KIDS = "kids"

    class Species(models.TextChoices):
        HUMAN = "human"
        ANIMAL = "animal"
        OTHER = "other"

    class Gender(models.TextChoices):
        MALE = "male"
        FEMALE = "female"

    class AgeGroup(models.TextChoices):
        CHILD = "child"
        YOUNG = "young"
        ADULT = "adult"
        SENIOR = "senior"

    class PitchGroup(models.TextChoices):
        LOW = "low"
        MID = "mid"
        HIGH = "high"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_voices")
    name = models.CharField(max_length=100, db_index=True)
    slug = models.SlugField(max_length=100, unique=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC, db_index=True)
    species = models.CharField(max_length=10, choices=Species.choices, default=Species.HUMAN)
    artist = models.CharField(max_length=100, blank=True)
    verified_artist = models.BooleanField(default=False)
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True)
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices, blank=True)
    pitch_group = models.CharField(max_length=10, choices=PitchGroup.choices, blank=True)
    nationality = models.CharField(max_length=50, blank=True)
    description = models.CharField(max_length=2048, blank=True)
    rating = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    active = models.BooleanField(default=False, help_text="Published: listed and usable in orders.")
    sort_order = models.PositiveIntegerField(default=0, help_text="Position in the default sort (lowest first).")
    image_key = models.CharField(max_length=500, blank=True)
    thumbnail_key = models.CharField(max_length=500, blank=True)
    tiers = models.ManyToManyField(SubscriptionTier, blank=True, related_name="voices")

    # Engine parameters: where the voice's pitch sits and how its vocal tract differs.
    pitch = models.FloatField(
        validators=[MinValueValidator(50), MaxValueValidator(800)],
        help_text="The voice's median pitch in Hz; conversions shift your pitch here.",
    )
    formant_ratio = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.6), MaxValueValidator(1.6)],
        help_text="Spectral envelope warp: >1 a smaller vocal tract (brighter), <1 a larger one.",
    )
    pitch_range = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0), MaxValueValidator(3)],
        help_text="Intonation: how far the pitch moves around its median (1 keeps the speaker's).",
    )
    breathiness = models.FloatField(default=0.0, validators=[MinValueValidator(0), MaxValueValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__lte=100), name="conversions_voice_rating_range"),
            models.CheckConstraint(
                condition=Q(pitch__gte=50) & Q(pitch__lte=800), name="conversions_voice_pitch_range"
            ),
            models.CheckConstraint(
                condition=Q(formant_ratio__gte=0.6) & Q(formant_ratio__lte=1.6),
                name="conversions_voice_formant_ratio_range",
            ),
        ]

    def __str__(self):
        return self.name


class Accent(models.Model):
    """How a voice speaks in speech-to-speech conversion, and what that changes in the engine."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="accents")
    name = models.CharField(max_length=100)
    short_name = models.CharField(max_length=20)
    locale = models.CharField(max_length=20)
    is_default = models.BooleanField(default=False)
    native = models.BooleanField(default=True)
    tiers = models.ManyToManyField(SubscriptionTier, blank=True, related_name="accents")
    semitones = models.FloatField(
        default=0.0, validators=[MinValueValidator(-12), MaxValueValidator(12)], help_text="Added to the voice's pitch."
    )
    formant_ratio = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.8), MaxValueValidator(1.25)],
        help_text="Multiplies the voice's formant ratio.",
    )
    pitch_range = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.5), MaxValueValidator(2)],
        help_text="Multiplies the voice's intonation range.",
    )
    rate = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.7), MaxValueValidator(1.4)],
        help_text="Speaking rate (1 keeps the duration).",
    )
    sample_key = models.CharField(max_length=500, blank=True)
    sample_duration = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["voice"], condition=Q(is_default=True), name="conversions_accent_one_default_per_voice"
            ),
            models.UniqueConstraint(fields=["voice", "short_name"], name="conversions_accent_unique_per_voice"),
        ]

    def __str__(self):
        return f"{self.voice} ({self.short_name})"


class NarrationStyle(models.Model):
    """How a voice narrates text: the espeak-ng rendering of a TTS original and the engine's changes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="narration_styles")
    name = models.CharField(max_length=100)
    tags = models.JSONField(
        default=list, blank=True, help_text='Descriptive words shown to clients, e.g. ["Neutral", "Calm"].'
    )
    is_default = models.BooleanField(default=False)
    tts_voice = models.CharField(
        "TTS voice", max_length=50, default="en-us", help_text="espeak-ng voice that reads the text."
    )
    tts_rate = models.PositiveSmallIntegerField(
        "TTS rate",
        default=160,
        validators=[MinValueValidator(80), MaxValueValidator(400)],
        help_text="espeak-ng words per minute.",
    )
    pitch_range = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.5), MaxValueValidator(2)],
        help_text="Multiplies the voice's intonation range.",
    )
    rate = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.7), MaxValueValidator(1.4)],
        help_text="Speaking rate after rendering (1 keeps the duration).",
    )
    breathiness = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Added to the voice's breathiness.",
    )
    sample_key = models.CharField(max_length=500, blank=True)
    sample_duration = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["voice"], condition=Q(is_default=True), name="conversions_style_one_default_per_voice"
            ),
            models.UniqueConstraint(fields=["voice", "name"], name="conversions_style_unique_per_voice"),
        ]

    def __str__(self):
        return f"{self.voice} ({self.name})"


class VoiceFavorite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorite_voices")
    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "voice"], name="conversions_voice_favorite_once")]


class AccentSetting(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="accent_settings")
    accent = models.ForeignKey(Accent, on_delete=models.CASCADE, related_name="user_settings")
    favorite = models.BooleanField(default=False)
    semitones_correction = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(-SEMITONES_CORRECTION_LIMIT), MaxValueValidator(SEMITONES_CORRECTION_LIMIT)],
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "accent"], name="conversions_accent_setting_once")]


class NarrationStyleSetting(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="style_settings")
    narration_style = models.ForeignKey(NarrationStyle, on_delete=models.CASCADE, related_name="user_settings")
    favorite = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "narration_style"], name="conversions_style_setting_once")
        ]


class Calibration(models.Model):
    """A recording of the user's natural voice and the pitch measured from it."""

    class State(models.TextChoices):
        PROCESSING = "processing"
        CALIBRATED = "calibrated"
        ERROR = "error"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calibrations")
    name = models.CharField(max_length=40, validators=[RegexValidator(CALIBRATION_NAME_PATTERN)])
    audio_key = models.CharField(max_length=500)
    audio_format = models.CharField(max_length=10)
    bucket = models.CharField(max_length=100, help_text="Where the audio is stored (S3 bucket or 'local').")
    duration = models.FloatField(default=0)
    f0 = models.FloatField(null=True, blank=True, help_text="The speaker's median pitch in Hz.")
    algorithm = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROCESSING)
    error = models.TextField(blank=True)
    enabled = models.BooleanField(default=False)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    calibrated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="conversions_calibration_name_per_user"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(enabled=True), name="conversions_calibration_one_enabled"
            ),
            models.CheckConstraint(
                condition=Q(enabled=False) | Q(state="calibrated"), name="conversions_calibration_enabled_is_calibrated"
            ),
        ]

    def __str__(self):
        return self.name
