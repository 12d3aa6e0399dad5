"""The studio library: projects, folders, recordings, notes and the TTS voices.

Recordings carry denormalised snapshots of what produced them (model, calibration,
TTS voice) instead of foreign keys to the catalogue, so deleting or renaming a
catalogue entry never rewrites history.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

NAME_MAX_LENGTH = 40


class Project(models.Model):
    """A studio project, owned by a user or by a team (``accounts.Team``), never both."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    slug = models.SlugField(max_length=60, unique=True)
    url = models.CharField(
        "URL", max_length=200, unique=True, help_text="The stable link to the project; kept on rename."
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="conversion_projects"
    )
    owner_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="conversion_projects"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_recording_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_user__isnull=False) & Q(owner_team__isnull=True))
                | (Q(owner_user__isnull=True) & Q(owner_team__isnull=False)),
                name="conversions_project_one_owner",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def owner_id(self):
        return self.owner_user_id or self.owner_team_id


class Folder(models.Model):
    """A folder in a project; folders nest through ``parent`` (within one project)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="folders")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["project", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="conversions_folder_not_own_parent"),
        ]

    def __str__(self):
        return self.name


class Recording(models.Model):
    """An original (uploaded or synthesised) or a conversion of an original."""

    class Type(models.TextChoices):
        ORIGINAL = "original"
        CONVERTED = "converted"

    class State(models.TextChoices):
        PROCESSING = "processing"
        DONE = "done"
        ERROR = "error"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="recordings")
    parent_folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="recordings")
    original = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="conversions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.ORIGINAL)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROCESSING, db_index=True)
    error = models.TextField(blank=True)
    process_stage = models.CharField(max_length=40, blank=True, help_text="What the background job is doing.")
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    label = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    file_name = models.CharField(max_length=255, blank=True, help_text="For display and downloads only.")
    microphone = models.CharField(max_length=100, blank=True)
    starred = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    listen_count = models.PositiveIntegerField(default=0)

    # The stored audio and its waveform image (keys from core.storage.new_key).
    audio_key = models.CharField(max_length=500, blank=True)
    audio_format = models.CharField(max_length=10, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    duration = models.FloatField(default=0, help_text="Seconds, measured from the audio.")
    f0 = models.FloatField(
        null=True, blank=True, help_text="An uploaded original's median pitch (Hz), for checking orders up front."
    )
    waveform_key = models.CharField(max_length=500, blank=True)

    # Text to speech.
    tts = models.BooleanField("TTS", default=False)
    tts_voice = models.CharField("TTS voice", max_length=100, blank=True)
    tts_voice_id = models.UUIDField("TTS voice ID", null=True, blank=True)
    text = models.TextField(blank=True)
    text_language = models.CharField(max_length=16, blank=True)

    # Snapshots of what produced a conversion (the catalogue's ids, no foreign keys).
    model_id = models.UUIDField(null=True, blank=True, db_index=True)
    model_name = models.CharField(max_length=200, blank=True)
    calibration_id = models.UUIDField(null=True, blank=True)
    calibration_value = models.FloatField(null=True, blank=True)
    calibration_name = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["parent_folder", "type", "created_at"]),
            models.Index(fields=["project", "created_at"]),
            models.Index(fields=["original", "created_at"]),
            models.Index(fields=["created_by", "type", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(type="original") & Q(original__isnull=True))
                | (Q(type="converted") & Q(original__isnull=False)),
                name="conversions_recording_original_iff_converted",
            ),
            models.CheckConstraint(
                condition=Q(size__gte=0) & Q(duration__gte=0), name="conversions_recording_size_duration_positive"
            ),
        ]

    def __str__(self):
        return self.label or self.file_name or str(self.id)


class Note(models.Model):
    """The one note a recording may have."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="note")
    text = models.CharField(max_length=2000)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.text[:60]


class TtsVoice(models.Model):
    """A text-to-speech voice: an espeak-ng voice with its rate and pitch settings."""

    class Visibility(models.TextChoices):
        PUBLIC = "public"
        PRIVATE = "private"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    engine_voice = models.CharField(max_length=50, help_text="The espeak-ng voice (e.g. en-us, de, fr+f3).")
    language = models.CharField(max_length=16, db_index=True, help_text="ISO 639-1 code of the voice's language.")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="tts_voices"
    )
    is_default = models.BooleanField(default=False, help_text="The voice used for its language when none is chosen.")
    rate = models.PositiveSmallIntegerField(default=160, help_text="Words per minute.")
    pitch = models.PositiveSmallIntegerField(default=50, help_text="espeak-ng pitch, 0-99.")
    f0 = models.FloatField(null=True, blank=True, help_text="Median pitch in Hz, measured from a rendered sample.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["language", "name"]
        verbose_name = "TTS voice"
        constraints = [
            models.CheckConstraint(condition=Q(pitch__lte=99), name="conversions_tts_voice_pitch_range"),
            models.CheckConstraint(
                condition=Q(visibility="public") | Q(owner__isnull=False), name="conversions_tts_private_has_owner"
            ),
            models.UniqueConstraint(
                fields=["language"], condition=Q(is_default=True), name="conversions_tts_one_default_per_language"
            ),
        ]

    def __str__(self):
        return self.name
