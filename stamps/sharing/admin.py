"""Staff UI for sharing: shares (view counts, revoke), replies, notification templates, delivery log."""

from django.contrib import admin, messages

from . import selectors
from . import services
from .models import Delivery, NotificationTemplate, Reply, Share, ShareRecipient


class ShareRecipientInline(admin.TabularInline):
    model = ShareRecipient
    extra = 0
    can_delete = False
    fields = ["channel", "name", "email", "phone", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ["share_code", "stamp", "privacy", "status", "view_count", "expires_at", "created_at"]
    list_filter = ["privacy", "allow_replies"]
    search_fields = ["share_code", "stamp__title", "stamp__owner__email"]
    list_select_related = ["stamp"]
    readonly_fields = [
        "stamp",
        "share_code",
        "privacy",
        "reply_token",
        "view_count",
        "last_viewed_at",
        "expired_at",
        "revoked_at",
        "created_at",
    ]
    exclude = ["password_hash"]
    inlines = [ShareRecipientInline]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="status")
    def status(self, share):
        return selectors.share_state(share)

    @admin.action(description="Revoke selected shares")
    def revoke(self, request, queryset):
        count = services.revoke_shares_for_staff(queryset.values_list("pk", flat=True))
        self.message_user(request, f"Revoked {count} share(s).", messages.SUCCESS)


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["id", "share", "name", "short_message", "audio_duration", "created_at"]
    search_fields = ["name", "message", "share__share_code", "share__stamp__title"]
    list_select_related = ["share"]
    readonly_fields = [
        "share",
        "recipient",
        "name",
        "message",
        "audio_key",
        "audio_content_type",
        "audio_size",
        "audio_duration",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description="message")
    def short_message(self, reply):
        return reply.message[:80]


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ["template_id", "channel", "name", "subject", "updated_at"]
    list_filter = ["channel"]
    search_fields = ["name", "subject", "body"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "purpose", "to_address", "state", "error", "created_at", "sent_at"]
    list_filter = ["state", "channel", "purpose"]
    search_fields = ["to_address", "error", "provider_message_id"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False
