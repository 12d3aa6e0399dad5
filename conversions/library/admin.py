"""Admin of the studio library: projects, folders, recordings (with players and waveforms), notes
and the TTS voices. Staff listen through short-lived signed URLs, not the owners' API paths."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html

from core.storage import object_storage

from . import selectors, services
from .models import Folder, Note, Project, Recording, TtsVoice


def _signed(key: str, content_type: str, filename: str | None = None) -> str:
    return object_storage.signed_url(key, content_type=content_type, filename=filename, expires=3600, absolute=False)


class FolderInline(admin.TabularInline):
    model = Folder
    fields = ["name", "parent", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["parent"]
    extra = 0
    show_change_link = True


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner_user", "owner_team", "recording_count", "created_at", "last_recording_at"]
    list_filter = ["active", "created_at"]
    search_fields = ["name", "slug", "owner_user__email", "owner_team__name"]
    readonly_fields = ["id", "slug", "url", "created_at", "last_recording_at", "created_by"]
    raw_id_fields = ["owner_user", "owner_team"]
    list_select_related = ["owner_user", "owner_team"]
    inlines = [FolderInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(recording_total=Count("recordings"))

    @admin.display(description="recordings", ordering="recording_total")
    def recording_count(self, project):
        return project.recording_total

    # Deleting through the services also removes the stored audio and waveforms.
    def delete_model(self, request, project):
        services.delete_project(project)

    def delete_queryset(self, request, queryset):
        for project in queryset:
            services.delete_project(project)


@admin.register(Folder)
class FolderAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "parent", "created_at"]
    search_fields = ["name", "project__name"]
    raw_id_fields = ["project", "parent"]
    list_select_related = ["project", "parent"]
    readonly_fields = ["id", "created_at"]

    def delete_model(self, request, folder):
        services.delete_folder(folder, selectors.folder_tree_ids(folder))

    def delete_queryset(self, request, queryset):
        for folder in queryset:
            if Folder.objects.filter(pk=folder.pk).exists():  # not already gone with a deleted parent
                services.delete_folder(folder, selectors.folder_tree_ids(folder))


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Recording.State.choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


class NoteInline(admin.StackedInline):
    model = Note
    fields = ["text", "active"]
    extra = 0


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "type", "state", "player", "duration", "size", "project", "created_at"]
    list_filter = [StateFilter, "type", "tts", "starred", "created_at"]
    search_fields = ["label", "file_name", "project__name", "model_name", "created_by__email"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "parent_folder", "original", "created_by", "job"]
    readonly_fields = [
        "id",
        "player",
        "waveform",
        "audio_key",
        "waveform_key",
        "size",
        "sha256",
        "duration",
        "audio_format",
        "content_type",
        "listen_count",
        "created_at",
        "converted_at",
        "job",
    ]
    inlines = [NoteInline]
    actions = ["reprocess"]

    @admin.display(description="audio")
    def player(self, recording):
        if not recording.audio_key:
            return "-"
        return format_html(
            '<audio controls preload="none" src="{}"></audio>',
            _signed(recording.audio_key, recording.content_type, recording.file_name),
        )

    @admin.display(description="waveform")
    def waveform(self, recording):
        if not recording.waveform_key:
            return "-"
        return format_html(
            '<img src="{}" alt="waveform" style="max-width: 600px">', _signed(recording.waveform_key, "image/png")
        )

    def delete_model(self, request, recording):
        services.delete_recording(recording)

    def delete_queryset(self, request, queryset):
        for recording in queryset:
            if Recording.objects.filter(pk=recording.pk).exists():  # not already gone with its original
                services.delete_recording(recording)

    @admin.action(description="Measure again and redraw the waveform")
    def reprocess(self, request, queryset):
        count = services.reprocess_recordings(queryset)
        self.message_user(request, f"{count} recording(s) queued for processing.", messages.SUCCESS)


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["recording", "text", "active", "updated_at"]
    search_fields = ["text"]
    raw_id_fields = ["recording", "created_by"]


@admin.register(TtsVoice)
class TtsVoiceAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "engine_voice", "pitch", "rate", "f0", "visibility", "is_default"]
    list_filter = ["language", "visibility", "is_default"]
    list_editable = ["is_default"]
    search_fields = ["name", "engine_voice"]
    raw_id_fields = ["owner"]
    readonly_fields = ["f0"]
