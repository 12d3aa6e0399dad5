"""Staff UI for VoiceStamps: status filters, search, links to every stored file, re-run actions.

The sharing admin (shares, replies, templates, delivery log) lives in stamps.sharing.admin; it is
imported below because Django's admin autodiscovery imports only ``stamps.admin``."""

from django.contrib import admin, messages
from django.utils.html import format_html

from core.storage import object_storage

from . import services
from .models import Stamp, StampFile
from .packaging import services as packaging_services
from .sharing import admin as sharing_admin  # noqa: F401 - registers the sharing models
from .thumbnails import services as thumbnail_services


class StampFileInline(admin.TabularInline):
    model = StampFile
    extra = 0
    can_delete = False
    fields = ["role", "position", "link", "content_type", "size", "duration", "width", "height", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="file")
    def link(self, item):
        # A short-lived signed URL: staff open the object without it ever being public.
        url = object_storage.signed_url(
            item.key, filename=item.filename, content_type=item.content_type, absolute=False
        )
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, item.filename)


@admin.register(Stamp)
class StampAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "owner", "conversion_status", "file_size_bytes", "manifest_version", "created_at"]
    list_filter = ["conversion_status", "created_at"]
    search_fields = ["=id", "title", "description", "voice_tag_notes", "owner__email"]
    list_select_related = ["owner"]
    readonly_fields = [
        "owner",
        "conversion_status",
        "failure_reason",
        "file_size_bytes",
        "manifest_version",
        "package_job",
        "thumbnail_job",
        "transcription_job",
        "completed_at",
        "created_at",
        "updated_at",
        "transcription",
        "translations",
        "drawings",
        "texts",
    ]
    fields = ["title", "description", "voice_note_id", "metadata", "voice_tags", "timestamps", *readonly_fields]
    inlines = [StampFileInline]
    actions = ["rerun_packaging", "rerun_thumbnails"]

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        services.delete_stamp(obj.owner, obj.pk)

    def delete_queryset(self, request, queryset):
        for stamp in queryset.select_related("owner"):
            services.delete_stamp(stamp.owner, stamp.pk)

    @admin.action(description="Re-run packaging (conversion to .vst)")
    def rerun_packaging(self, request, queryset):
        started = sum(packaging_services.start_packaging_for_admin(stamp) for stamp in queryset)
        skipped = queryset.count() - started
        self.message_user(request, f"Packaging started for {started} stamp(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} stamp(s) skipped: already processing or without audio.", messages.WARNING
            )

    @admin.action(description="Re-run the automatic thumbnail")
    def rerun_thumbnails(self, request, queryset):
        for stamp in queryset:
            thumbnail_services.start_thumbnail_for_admin(stamp)
        self.message_user(request, f"Thumbnail jobs started for {queryset.count()} stamp(s).", messages.SUCCESS)
