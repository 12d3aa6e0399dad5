"""Admin of the voice catalogue and calibrations: staff curate voices (images, engine
parameters, accents, narration styles, tiers, publishing) and render their samples."""

from django import forms
from django.contrib import admin, messages

from core.media import MediaError, images

from . import services
from .models import (
    Accent,
    Calibration,
    NarrationStyle,
    Subscription,
    SubscriptionTier,
    Voice,
)


class VoiceForm(forms.ModelForm):
    image = forms.FileField(required=False, help_text="JPEG, PNG or WebP; a thumbnail is made from it.")

    class Meta:
        model = Voice
        exclude = ["image_key", "thumbnail_key"]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        try:
            return images.clean(upload)
        except MediaError as exc:
            raise forms.ValidationError(str(exc)) from None


class AccentInline(admin.StackedInline):
    model = Accent
    extra = 0
    fields = [
        ("name", "short_name", "locale"),
        ("is_default", "native"),
        "tiers",
        ("semitones", "formant_ratio", "pitch_range", "rate"),
        "sample_key",
    ]
    readonly_fields = ["sample_key"]
    filter_horizontal = ["tiers"]


class NarrationStyleInline(admin.StackedInline):
    model = NarrationStyle
    extra = 0
    fields = [
        ("name", "is_default"),
        "tags",
        ("tts_voice", "tts_rate"),
        ("pitch_range", "rate", "breathiness"),
        "sample_key",
    ]
    readonly_fields = ["sample_key"]


@admin.register(Voice)
class VoiceAdmin(admin.ModelAdmin):
    form = VoiceForm
    list_display = ["name", "visibility", "gender", "pitch", "formant_ratio", "rating", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["active", "visibility", "species", "gender", "age_group", "pitch_group", "tiers"]
    search_fields = ["name", "slug", "artist", "nationality"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["tiers"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["image_key", "thumbnail_key", "created_at", "updated_at"]
    inlines = [AccentInline, NarrationStyleInline]
    actions = ["publish", "unpublish", "render_samples"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "owner", "visibility", "active", "sort_order", "tiers"]}),
        (
            "Profile",
            {
                "fields": [
                    "species",
                    "gender",
                    "age_group",
                    "pitch_group",
                    "nationality",
                    "artist",
                    "verified_artist",
                    "rating",
                    "description",
                    "image",
                    "image_key",
                    "thumbnail_key",
                ]
            },
        ),
        ("Engine", {"fields": ["pitch", "formant_ratio", "pitch_range", "breathiness"]}),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        services.save_voice(obj, image=form.cleaned_data.get("image"))

    @admin.action(description="Publish the selected voices")
    def publish(self, request, queryset):
        self.message_user(request, f"Published {services.publish_voices(queryset, active=True)} voices.")

    @admin.action(description="Unpublish the selected voices")
    def unpublish(self, request, queryset):
        self.message_user(request, f"Unpublished {services.publish_voices(queryset, active=False)} voices.")

    @admin.action(description="Render the samples of the selected voices")
    def render_samples(self, request, queryset):
        for voice in queryset:
            try:
                count = services.render_voice_samples(voice)
            except MediaError as exc:
                self.message_user(request, f"{voice}: {exc}", level=messages.ERROR)
                continue
            self.message_user(request, f"{voice}: rendered {count} samples.")


@admin.register(SubscriptionTier)
class SubscriptionTierAdmin(admin.ModelAdmin):
    list_display = ["name", "rank"]
    list_editable = ["rank"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "tier", "updated_at"]
    list_filter = ["tier"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]


@admin.register(Calibration)
class CalibrationAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "state", "f0", "algorithm", "enabled", "created_at"]
    list_filter = ["state", "enabled"]
    search_fields = ["name", "user__email"]
    readonly_fields = [field.name for field in Calibration._meta.fields]

    def has_add_permission(self, request):
        return False
