"""Admin of conversion orders: staff read them (orders are written by the API and the jobs only)."""

from django.contrib import admin

from .models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "voice", "state", "cost", "f0", "retries", "created_at", "closed_at"]
    list_filter = ["state", "voice"]
    search_fields = ["id", "user__email", "voice__name"]
    list_select_related = ["user", "voice"]
    readonly_fields = [field.name for field in Order._meta.fields]

    def has_add_permission(self, request):
        return False
