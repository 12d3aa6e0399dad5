"""Talents and their demo recordings."""

import uuid

from django.db import models


class Talent(models.Model):
    """A voice actor who can be booked through programs."""

    class Gender(models.TextChoices):
        FEMALE = "female"
        MALE = "male"
        NON_BINARY = "non-binary"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    gender = models.CharField(max_length=12, choices=Gender.choices)
    languages = models.JSONField(default=list, blank=True, help_text='Language names, e.g. ["English", "French"].')
    feedback = models.TextField(blank=True, help_text="Reviews of the talent's work.")
    avatar_key = models.CharField(max_length=300, blank=True, editable=False)
    avatar_content_type = models.CharField(max_length=50, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Demo(models.Model):
    """A talent's demo recording, played by the embeddable player pages."""

    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="demos")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    tags = models.JSONField(default=list, blank=True)
    audio_key = models.CharField(max_length=300)
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    duration = models.FloatField(help_text="Seconds, measured by ffprobe.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["talent_id", "id"]

    def __str__(self):
        return f"{self.title} ({self.talent})"
