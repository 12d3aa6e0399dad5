"""Programs in the admin (created and edited by staff)."""

from django.contrib import admin

from .models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "partner",
        "unit_price",
        "start_date",
        "end_date",
        "is_active",
        "edit_limit",
        "max_edits",
        "manager_email",
    ]
    list_filter = ["is_active", "partner"]
    search_fields = ["name", "partner__name", "manager_email"]
    list_select_related = ["partner"]
    filter_horizontal = ["talents"]
    readonly_fields = ["created", "updated"]
