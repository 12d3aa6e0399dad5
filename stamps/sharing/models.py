"""Sharing and collaboration: share links, invited recipients, replies, notification
templates and the delivery log of every email and SMS we send.

Re-exported by name from ``stamps/models.py`` so these tables belong to the stamps app
(label ``stamps``: no migration moved).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template import Template, TemplateSyntaxError


class Share(models.Model):
    """A link to one stamp: ``/share/{share_code}``, with its privacy and lifetime."""

    class Privacy(models.TextChoices):
        PUBLIC = "public"  # anyone holding the link
        PASSWORD = "password"  # the link plus the password
        PRIVATE = "private"  # the owner and invited recipients, each with a personal token

    id = models.BigAutoField(primary_key=True)
    stamp = models.ForeignKey("stamps.Stamp", on_delete=models.CASCADE, related_name="shares")
    share_code = models.CharField(max_length=32, unique=True)
    privacy = models.CharField(max_length=8, choices=Privacy.choices, default=Privacy.PUBLIC)
    # Django's password hash (never the password); empty unless privacy is "password".
    password_hash = models.CharField(max_length=256, blank=True)
    allow_replies = models.BooleanField(default=True)
    # Whoever holds this token may reply to the share (public and password shares hand it to viewers).
    reply_token = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set once, by the beat task, when it notices the share has expired (so it acts on it once).
    expired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["stamp", "-created_at"], name="share_stamp_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(privacy__in=["public", "password", "private"]), name="share_privacy_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(privacy="password", password_hash=""), name="share_password_has_hash"
            ),
        ]

    def __str__(self):
        return f"share {self.share_code} of stamp {self.stamp_id}"


class ShareRecipient(models.Model):
    """Someone a share was sent to by email or SMS; holds their personal access and reply tokens."""

    class Channel(models.TextChoices):
        EMAIL = "email"
        SMS = "sms", "SMS"

    id = models.BigAutoField(primary_key=True)
    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="recipients")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=16, blank=True, help_text="E.164")
    message = models.TextField(blank=True)
    access_token = models.CharField(max_length=64, unique=True)
    reply_token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["share_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(channel="email") & ~models.Q(email=""))
                | (models.Q(channel="sms") & ~models.Q(phone="")),
                name="sharerecipient_has_address",
            ),
        ]

    def __str__(self):
        return f"{self.channel} recipient {self.pk} of share {self.share_id}"

    @property
    def address(self) -> str:
        return self.email if self.channel == self.Channel.EMAIL else self.phone


class Reply(models.Model):
    """A reply to a share: a message and/or a recorded answer."""

    id = models.BigAutoField(primary_key=True)
    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="replies")
    recipient = models.ForeignKey(
        ShareRecipient, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # Who replied, as they wrote it (the share page asks); an invited recipient's name when they gave none.
    name = models.CharField(max_length=100, blank=True)
    message = models.TextField(blank=True)
    audio_key = models.CharField(max_length=500, blank=True)
    audio_content_type = models.CharField(max_length=100, blank=True)
    audio_size = models.BigIntegerField(default=0)
    audio_duration = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "replies"
        constraints = [
            models.CheckConstraint(condition=~models.Q(message="", audio_key=""), name="reply_has_message_or_audio"),
        ]

    def __str__(self):
        return f"reply {self.pk} to share {self.share_id}"


class NotificationTemplate(models.Model):
    """A message we send, editable by staff: subject and body in Django template syntax.

    ``template_id`` is the spec's "template ID" (100 is the share invitation); each ID
    has one row per channel.
    """

    class Channel(models.TextChoices):
        EMAIL = "email"
        SMS = "sms", "SMS"

    id = models.BigAutoField(primary_key=True)
    template_id = models.PositiveIntegerField()
    channel = models.CharField(max_length=5, choices=Channel.choices)
    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=255, blank=True, help_text="Email only; Django template syntax.")
    body = models.TextField(help_text="Plain text in Django template syntax; the email's HTML part is made from it.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["template_id", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["template_id", "channel"], name="notificationtemplate_unique"),
        ]

    def __str__(self):
        return f"template {self.template_id} ({self.channel}): {self.name}"

    def clean(self):
        errors = {}
        for field in ("subject", "body"):
            try:
                Template(getattr(self, field))
            except TemplateSyntaxError as exc:
                errors[field] = [f"Not a valid template: {exc}"]
        if errors:
            raise ValidationError(errors)


class Delivery(models.Model):
    """The log of one email or SMS: to whom, why, and what became of it."""

    class Purpose(models.TextChoices):
        SHARE_INVITATION = "share_invitation"
        REPLY_NOTICE = "reply_notice"
        SHARE_EXPIRED = "share_expired"

    class State(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"

    id = models.BigAutoField(primary_key=True)
    # Whose action caused the message: sending limits and the owner's view go by this user.
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=5, choices=NotificationTemplate.Channel.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    template_id = models.PositiveIntegerField()
    to_address = models.CharField(max_length=254)
    share = models.ForeignKey(Share, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        ShareRecipient, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=6, choices=State.choices, default=State.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["sender", "-created_at"], name="delivery_sender_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "sent", "failed"]), name="delivery_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.channel} {self.purpose} {self.pk} to {self.to_address}: {self.state}"
