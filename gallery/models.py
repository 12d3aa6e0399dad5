"""Voice Gallery: curated voices with their MP3 samples, and the TTS submissions made with them."""

import re
import unicodedata
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# espeak-ng accepts 80-450 words per minute and pitch 0-99.
MIN_RATE, MAX_RATE = 80, 450
MIN_PITCH, MAX_PITCH = 0, 99
# What a voice may be named: letters and digits of any script, spaces, hyphens and parentheses
# (no underscore, no markup). The API and the admin both check it.
NAME_PATTERN = re.compile(r"^(?:[^\W_]| |-|\(|\))+$")
# A submission's job state in the gallery's words.
SUBMISSION_STATUS = {"queued": "queued", "running": "processing", "succeeded": "completed", "failed": "failed"}


def name_sort_key(name: str) -> str:
    """Alphabetical order as people read it: case and accents ignored ("Épsilon" next to
    "epsilon"), stored so it sorts the same on SQLite (which compares bytes) and on PostgreSQL
    (whose order depends on the server's collation), in the API and in the admin alike."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


class VoiceQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def published(self):
        return self.alive().filter(is_published=True)


class Voice(models.Model):
    """A voice users pick for text-to-speech; ``deleted_at`` marks a soft delete."""

    class Characteristic(models.TextChoices):
        MALE = "Male"
        FEMALE = "Female"
        ACCENT = "Accent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    name_sort_key = models.CharField(max_length=300, editable=False, default="")
    voice_characteristic = models.CharField(max_length=100, choices=Characteristic.choices)
    order_number = models.PositiveIntegerField(default=0, help_text="Lower numbers appear first.")
    voice_is_ai = models.BooleanField("AI voice", default=True)
    is_published = models.BooleanField(default=False)
    # The engine voice staff mapped to this gallery voice (what TTS submissions are rendered with).
    espeak_voice = models.CharField(max_length=50, default="en-us", help_text="espeak-ng voice id, e.g. en-us, en-gb.")
    speech_rate = models.PositiveSmallIntegerField(
        default=160,
        validators=[MinValueValidator(MIN_RATE), MaxValueValidator(MAX_RATE)],
        help_text="Words per minute.",
    )
    pitch = models.PositiveSmallIntegerField(
        default=50, validators=[MinValueValidator(MIN_PITCH), MaxValueValidator(MAX_PITCH)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who created/updated: the account (for filtering) and a snapshot of the identity
    # shown in the API, which stays true even if the account is renamed or removed.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_user_id = models.CharField(max_length=64, blank=True)
    created_by_name = models.CharField(max_length=150, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by_user_id = models.CharField(max_length=64, blank=True)
    updated_by_name = models.CharField(max_length=150, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = VoiceQuerySet.as_manager()

    class Meta:
        ordering = ["order_number", "name_sort_key", "name"]
        indexes = [models.Index(fields=["is_published", "order_number", "name_sort_key"], name="voice_listing")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voice_characteristic__in=["Male", "Female", "Accent"]),
                name="voice_characteristic_known",
            ),
            models.CheckConstraint(
                condition=models.Q(speech_rate__gte=MIN_RATE, speech_rate__lte=MAX_RATE), name="voice_rate_range"
            ),
            models.CheckConstraint(condition=models.Q(pitch__lte=MAX_PITCH), name="voice_pitch_range"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Derived from the name on every write path (API, admin, demo data), never set on its own.
        self.name_sort_key = name_sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_sort_key"}
        super().save(*args, **kwargs)


class VoiceSample(models.Model):
    """One MP3 sample of a voice, stored under voice-samples/; ``position`` keeps the client's order."""

    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="samples")
    position = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["voice", "position"], name="voice_sample_position_unique"),
            models.CheckConstraint(condition=models.Q(position__lte=4), name="voice_sample_at_most_five"),
            models.CheckConstraint(
                condition=models.Q(key__startswith="voice-samples/"), name="voice_sample_key_prefix"
            ),
        ]

    def __str__(self):
        return self.key


class TtsSubmission(models.Model):
    """A user's request to speak ``text`` with a gallery voice: an "audio generation"."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tts_submissions")
    # PROTECT: a voice with generations is soft-deleted only after they are gone (VOICE_IN_USE).
    voice = models.ForeignKey(Voice, on_delete=models.PROTECT, related_name="submissions")
    text = models.TextField()
    job = models.OneToOneField("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    audio_key = models.CharField(max_length=300, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "TTS submission"
        indexes = [models.Index(fields=["user", "-created_at"], name="tts_submission_by_user")]

    def __str__(self):
        return f"{self.voice} for {self.user}"

    @property
    def status(self) -> str:
        """queued, processing, completed or failed: stored audio is done whatever its job says;
        a submission whose job row is gone failed."""
        if self.audio_key:
            return "completed"
        if self.job is None:
            return "failed"
        return SUBMISSION_STATUS[self.job.state]
