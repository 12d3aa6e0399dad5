"""VoiceStamps: a stamp (the VSTFile of the spec) and the stored files it owns.

A Share (stamps.sharing.models, re-exported here) points at ``Stamp`` with a foreign key;
every stored object belongs to exactly one ``StampFile`` row, so deleting a stamp
knows every key to remove.
"""

from django.conf import settings
from django.db import models

# The sharing tables live in stamps.sharing; named here so Django registers them under this app
# (label "stamps") and `from stamps.models import Share` keeps working.
from .sharing.models import Delivery, NotificationTemplate, Reply, Share, ShareRecipient


class Stamp(models.Model):
    """One VoiceStamp: metadata, voice tags and the manifest's editable parts."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"

    id = models.BigAutoField(primary_key=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stamps")
    voice_note_id = models.CharField(max_length=100, null=True, blank=True)
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    conversion_status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    failure_reason = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    voice_tags = models.JSONField(default=list, blank=True)
    # The voice tags' notes as plain text, kept by the services so search is one indexed-friendly LIKE.
    voice_tag_notes = models.TextField(blank=True, editable=False)
    timestamps = models.JSONField(default=list, blank=True)
    drawings = models.JSONField(default=list, blank=True)
    texts = models.JSONField(default=list, blank=True)
    transcription = models.JSONField(null=True, blank=True)
    translations = models.JSONField(default=list, blank=True)
    manifest_version = models.PositiveIntegerField(default=1)
    file_size_bytes = models.BigIntegerField(default=0)
    package_job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    thumbnail_job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    transcription_job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="stamp_owner_created"),
            models.Index(fields=["owner", "conversion_status"], name="stamp_owner_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(conversion_status__in=["draft", "processing", "completed", "failed"]),
                name="stamp_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(file_size_bytes__gte=0), name="stamp_file_size_not_negative"),
        ]

    def __str__(self):
        return f"VoiceStamp {self.pk}: {self.title}"


class StampFile(models.Model):
    """A stored object a stamp owns: its uploads and everything made from them."""

    class Role(models.TextChoices):
        AUDIO = "audio"  # the uploaded recording
        IMAGE = "image"  # uploaded images (several, ordered by position)
        THUMBNAIL = "thumbnail"
        AUDIO_AAC = "audio_aac"  # delivery format: AAC in .m4a, loudness-normalised
        AUDIO_OPUS = "audio_opus"  # delivery format: Opus in .ogg, loudness-normalised
        WAVEFORM = "waveform"  # peaks for players, JSON
        MANIFEST = "manifest"  # manifest.json as packaged
        PACKAGE = "package"  # the .vst container

    id = models.BigAutoField(primary_key=True)
    stamp = models.ForeignKey(Stamp, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(max_length=12, choices=Role.choices)
    key = models.CharField(max_length=500, unique=True)
    # The public, unguessable name clients use in URLs (the key's last part); never a client's name.
    filename = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stamp_id", "role", "position", "id"]
        constraints = [
            # One current file per role, except images, which a stamp has several of.
            models.UniqueConstraint(
                fields=["stamp", "role"], condition=~models.Q(role="image"), name="stampfile_one_per_role"
            ),
            models.UniqueConstraint(
                fields=["stamp", "position"], condition=models.Q(role="image"), name="stampfile_image_position"
            ),
            models.CheckConstraint(condition=models.Q(size__gte=0), name="stampfile_size_not_negative"),
        ]

    def __str__(self):
        return f"{self.role} {self.filename} of stamp {self.stamp_id}"


__all__ = ["Delivery", "NotificationTemplate", "Reply", "Share", "ShareRecipient", "Stamp", "StampFile"]
