"""Voice curation for staff: order and publish from the list, listen to and upload samples,
map each gallery voice to the engine voice that speaks TTS submissions."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from core.dialects import GALLERY
from core.errors import DomainError
from core.storage import object_storage

from . import media, services
from .models import NAME_PATTERN, TtsSubmission, Voice, VoiceSample

logger = logging.getLogger(__name__)


def _player(key: str) -> str:
    # Without a host: the page plays it from whatever address staff reached the admin by.
    url = object_storage.signed_url(key, content_type="audio/mpeg", absolute=False)
    return format_html('<audio controls preload="none" src="{}" data-sample-key="{}"></audio>', url, key)


class VoiceSampleForm(forms.ModelForm):
    """A sample row. In the browser the chosen MP3 goes straight to object storage through an
    upload slot (gallery/static/gallery/direct-upload.js) and only its URL is posted; without
    JavaScript the file is posted and stored by ``services.save_admin_samples``. Either way it is
    checked by content."""

    upload = forms.FileField(
        required=False,
        label="MP3 file",
        widget=forms.FileInput(
            attrs={"accept": ".mp3,audio/mpeg", "data-direct-upload": "/api/v1/voice-gallery/upload-url"}
        ),
    )
    file_url = forms.CharField(required=False, max_length=2048, widget=forms.HiddenInput, label="File URL")

    class Meta:
        model = VoiceSample
        fields: list[str] = []

    def clean(self):
        cleaned = super().clean()
        upload, file_url = cleaned.get("upload"), cleaned.get("file_url")
        if file_url:
            key = object_storage.key_from_object_url(file_url)
            if key is None or not media.stored_sample_is_acceptable(key):
                raise forms.ValidationError("The uploaded sample is not an MP3 of at most 5 MB in our storage.")
            self.uploaded_key = key
        elif upload is not None:
            try:
                services.check_sample_file(upload)
            except DomainError as exc:
                # The words the gallery API uses for the same refusal (AudioRejected names the file).
                raise forms.ValidationError(GALLERY.domain_error(exc).message) from None
        elif not self.instance.key:
            raise forms.ValidationError("Choose an MP3 file for the new sample.")
        return cleaned

    def save(self, commit=True):
        if getattr(self, "uploaded_key", None):
            self.instance.key = self.uploaded_key
        return super().save(commit=commit)


class VoiceSampleInline(admin.TabularInline):
    model = VoiceSample
    form = VoiceSampleForm
    extra = 1
    max_num = 5
    fields = ["player", "upload", "file_url"]
    readonly_fields = ["player"]
    ordering = ["position"]

    class Media:
        js = ["gallery/direct-upload.js"]

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_max=True, **kwargs)

    @admin.display(description="Listen")
    def player(self, sample):
        return _player(sample.key) if sample.key else "—"


class VoiceAdminForm(forms.ModelForm):
    # Listed by language name; a new voice starts on the model's English default, not the first in the list.
    espeak_voice = forms.ChoiceField(
        label="Engine voice (espeak-ng)", initial=Voice._meta.get_field("espeak_voice").default
    )

    class Meta:
        model = Voice
        fields = [
            "name",
            "voice_characteristic",
            "order_number",
            "is_published",
            "voice_is_ai",
            "espeak_voice",
            "speech_rate",
            "pitch",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["espeak_voice"].choices = [(voice, f"{name} ({voice})") for voice, name in media.engine_voices()]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if len(name) < 2 or not NAME_PATTERN.match(name):
            raise forms.ValidationError("2-100 characters: letters, numbers, spaces, hyphens and parentheses only.")
        return name


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Not deleted"), ("yes", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(Voice)
class VoiceAdmin(admin.ModelAdmin):
    form = VoiceAdminForm
    inlines = [VoiceSampleInline]
    list_display = [
        "voice_name",
        "voice_characteristic",
        "order_number",
        "is_published",
        "sample_count",
        "espeak_voice",
        "updated_by_name",
        "updated_at",
        "deleted_at",
    ]
    list_editable = ["order_number", "is_published"]
    list_filter = ["is_published", "voice_characteristic", DeletedFilter, "voice_is_ai", "espeak_voice"]
    search_fields = ["name", "created_by_name", "updated_by_name", "samples__key"]
    ordering = ["order_number", "name_sort_key", "name", "id"]
    readonly_fields = ["created_by_name", "created_at", "updated_by_name", "updated_at", "deleted_at", "sample_players"]
    fieldsets = [
        (None, {"fields": ["name", "voice_characteristic", "order_number", "is_published", "voice_is_ai"]}),
        ("Engine voice for TTS submissions", {"fields": ["espeak_voice", "speech_rate", "pitch"]}),
        ("Samples", {"fields": ["sample_players"]}),
        ("Audit", {"fields": ["created_by_name", "created_at", "updated_by_name", "updated_at", "deleted_at"]}),
    ]
    actions = ["soft_delete", "restore"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("samples")

    @admin.display(description="Name", ordering="name_sort_key")
    def voice_name(self, voice):
        # Sorting by this column sorts as the API does (case and accents ignored), not byte by byte.
        return voice.name

    @admin.display(description="Samples")
    def sample_count(self, voice):
        return len(voice.samples.all())

    @admin.display(description="Players")
    def sample_players(self, voice):
        samples = list(voice.samples.all()) if voice.pk else []
        if not samples:
            return "No samples yet."
        return format_html_join("", "<div>{}</div>", ((_player(sample.key),) for sample in samples))

    def save_model(self, request, obj, form, change):
        services.stamp(obj, request.user, creating=not change)
        super().save_model(request, obj, form, change)
        logger.info("voice %s saved in the admin by %s", obj.pk, request.user.pk)

    def save_formset(self, request, form, formset, change):
        samples = formset.save(commit=False)
        uploads = {
            id(sample_form.instance): sample_form.cleaned_data.get("upload")
            for sample_form in formset.forms
            if sample_form.cleaned_data
        }
        services.save_admin_samples(
            form.instance, [(sample, uploads.get(id(sample))) for sample in samples], deleted=formset.deleted_objects
        )

    def has_delete_permission(self, request, obj=None):
        # Voices are soft-deleted (the API's DELETE), through the action below.
        return False

    @admin.action(description="Delete selected voices (soft delete; refused while in use)")
    def soft_delete(self, request, queryset):
        for voice in queryset.filter(deleted_at__isnull=True):
            try:
                services.delete_voice(voice.pk, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{voice.name}: {exc.message}", level=messages.WARNING)
            else:
                self.message_user(request, f"{voice.name} deleted.")

    @admin.action(description="Restore selected deleted voices")
    def restore(self, request, queryset):
        for voice in queryset.filter(deleted_at__isnull=False):
            services.restore_voice(voice.pk, actor=request.user)
            self.message_user(request, f"{voice.name} restored.")


@admin.register(TtsSubmission)
class TtsSubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "voice", "user", "status", "created_at", "completed_at"]
    list_filter = ["job__state", "voice"]
    search_fields = ["id", "user__email", "voice__name", "text"]
    list_select_related = ["voice", "user", "job"]
    readonly_fields = [
        "id",
        "user",
        "voice",
        "text",
        "job",
        "audio_key",
        "duration_seconds",
        "created_at",
        "completed_at",
        "player",
    ]
    fields = readonly_fields

    @admin.display(description="Listen")
    def player(self, submission):
        return _player(submission.audio_key) if submission.audio_key else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Submissions are the users' records: staff look at them, never edit them.
        return False
