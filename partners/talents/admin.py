"""Talents in the admin: avatar and demo uploads through the services (checked by content), demos
with links to their players."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from core.errors import DomainError

from . import services
from .models import Demo, Talent


class DemoInline(admin.TabularInline):
    model = Demo
    extra = 0
    fields = ["title", "tags", "duration", "size", "player"]
    readonly_fields = ["duration", "size", "player"]

    def has_add_permission(self, request, obj=None):
        # Demos are added through the upload field above, which checks the audio by content.
        return False

    @admin.display(description="Player")
    def player(self, demo):
        url = reverse("partners:demo-player", kwargs={"public_id": demo.public_id, "style": "light-standard-complete"})
        return format_html('<a href="{}" target="_blank">Open the player</a>', url)


class TalentForm(forms.ModelForm):
    avatar_image = forms.ImageField(required=False, help_text="JPEG, PNG or WebP; metadata is stripped.")
    demo_audio = forms.FileField(
        required=False, help_text="Add a demo: mp3, wav, ogg, flac or m4a (checked by content)."
    )
    demo_title = forms.CharField(required=False, max_length=200)
    demo_tags = forms.CharField(required=False, help_text="Comma-separated, e.g. warm, corporate, narration.")

    class Meta:
        model = Talent
        fields = ["first_name", "last_name", "gender", "languages", "feedback"]

    def clean_languages(self):
        languages = self.cleaned_data["languages"]
        if not isinstance(languages, list) or not all(isinstance(item, str) for item in languages):
            raise ValidationError('Give a list of language names, e.g. ["English", "French"].')
        return languages


@admin.register(Talent)
class TalentAdmin(admin.ModelAdmin):
    form = TalentForm
    list_display = ["first_name", "last_name", "gender", "demo_count", "created"]
    list_filter = ["gender"]
    search_fields = ["first_name", "last_name"]
    inlines = [DemoInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(demo_total=Count("demos"))

    @admin.display(description="Demos", ordering="demo_total")
    def demo_count(self, talent):
        return talent.demo_total

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        try:
            if form.cleaned_data.get("avatar_image"):
                services.set_avatar(obj, form.cleaned_data["avatar_image"])
            if form.cleaned_data.get("demo_audio"):
                tags = [tag.strip() for tag in (form.cleaned_data.get("demo_tags") or "").split(",") if tag.strip()]
                services.add_demo(
                    obj, form.cleaned_data["demo_audio"], title=form.cleaned_data.get("demo_title", ""), tags=tags
                )
        except DomainError as exc:
            self.message_user(request, f"Upload refused: {' '.join(exc.messages)}", messages.ERROR)

    def delete_model(self, request, obj):
        services.delete_talent(obj)

    def delete_queryset(self, request, queryset):
        for talent in queryset:
            services.delete_talent(talent)

    def save_formset(self, request, form, formset, change):
        # Deleting a demo also removes its audio from storage.
        changed = formset.save(commit=False)
        for demo in formset.deleted_objects:
            services.delete_demo(demo)
        for demo in changed:
            demo.save()
