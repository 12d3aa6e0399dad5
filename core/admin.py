from django.contrib import admin, messages

from . import jobs
from .models import Job, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .webhooks import delivery as webhook_delivery


class ReadOnlyInline(admin.TabularInline):
    """Rows staff read beside their parent (a history, a ledger, keys) and never add, change or delete."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["kind", "subject", "state", "progress", "attempts", "created_at", "finished_at"]
    list_filter = ["state", "kind"]
    search_fields = ["id", "kind", "subject", "error", "request_id"]
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["requeue"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Re-queue selected jobs (failed ones get their attempts back)")
    def requeue(self, request, queryset):
        count = jobs.requeue_for_staff(queryset)
        self.message_user(request, f"Re-queued {count} job(s).", messages.SUCCESS)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["attempted_at", "response_status", "duration_ms", "succeeded", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "endpoint", "state", "attempts", "created_at", "next_attempt_at", "finished_at"]
    list_filter = ["state", "event_type"]
    search_fields = ["message_id", "endpoint__url", "endpoint__id", "request_id"]
    list_select_related = ["endpoint", "endpoint__user", "endpoint__partner"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Re-send selected deliveries (as new messages; their endpoints are enabled again)")
    def resend(self, request, queryset):
        count = 0
        for delivery in queryset.select_related("endpoint"):
            webhook_delivery.resend(delivery)
            count += 1
        self.message_user(request, f"Re-sent {count} deliver{'y' if count == 1 else 'ies'}.", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "user", "partner", "enabled", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["url", "user__email", "partner__name", "description"]
    list_select_related = ["user", "partner"]
    raw_id_fields = ["user", "partner"]
    readonly_fields = ["id", "secret", "disabled_reason", "created_at", "updated_at"]
