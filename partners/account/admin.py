"""A partner's account in the admin: partners with their keys, balance and ledger (new keys shown
once), access and mode actions, and the audit log of calls."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from core.admin import ReadOnlyInline
from core.errors import DomainError

from . import services
from .models import AuditLogEntry, LedgerEntry, Partner, PartnerApiKey


def _new_keys_page(request, new_keys):
    """The only place a new key's plaintext appears (the database keeps its hash); never cached."""
    response = TemplateResponse(
        request,
        "admin/partners/partner/new_keys.html",
        {**admin.site.each_context(request), "new_keys": new_keys, "title": "New API key"},
    )
    add_never_cache_headers(response)
    return response


class PartnerApiKeyInline(ReadOnlyInline):
    model = PartnerApiKey
    fields = ["prefix", "created", "last_used_at", "revoked_at"]
    readonly_fields = fields


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ["created", "kind", "amount", "balance_after", "job", "note", "created_by"]
    readonly_fields = fields
    verbose_name_plural = "ledger"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("job__program", "created_by")


class PartnerForm(forms.ModelForm):
    payment = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
        max_digits=14,
        help_text="Record a payment received: it lowers the outstanding balance.",
    )

    class Meta:
        model = Partner
        fields = ["name", "access_enabled", "is_live", "credit_limit", "notice_threshold"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = ["name", "access_enabled", "is_live", "credit_limit", "balance", "notice_threshold", "created"]
    list_filter = ["access_enabled", "is_live"]
    search_fields = ["name"]
    readonly_fields = ["balance", "created", "updated"]
    fieldsets = [
        (None, {"fields": ["name", "access_enabled", "is_live"]}),
        ("Credit", {"fields": ["credit_limit", "notice_threshold", "balance", "payment"]}),
        ("Dates", {"fields": ["created", "updated"]}),
    ]
    inlines = [PartnerApiKeyInline, LedgerEntryInline]
    actions = ["rotate_api_key", "enable_access", "disable_access", "switch_live", "switch_test"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            _, plaintext = services.issue_api_key(obj)
            request.partner_new_keys = [(obj, plaintext)]
        if form.cleaned_data.get("payment"):
            try:
                services.record_payment(
                    obj, form.cleaned_data["payment"], note="recorded in the admin", by=request.user
                )
            except DomainError as exc:
                self.message_user(request, f"Payment not recorded: {exc}", messages.ERROR)

    def response_add(self, request, obj, post_url_continue=None):
        new_keys = getattr(request, "partner_new_keys", None)
        return _new_keys_page(request, new_keys) if new_keys else super().response_add(request, obj, post_url_continue)

    @admin.action(description="Rotate the API key (shows the new key once)")
    def rotate_api_key(self, request, queryset):
        return _new_keys_page(request, [(partner, services.issue_api_key(partner)[1]) for partner in queryset])

    @admin.action(description="Enable Partner Program access")
    def enable_access(self, request, queryset):
        self.message_user(request, f"Access enabled for {services.set_access(queryset, enabled=True)} partner(s).")

    @admin.action(description="Disable Partner Program access")
    def disable_access(self, request, queryset):
        self.message_user(request, f"Access disabled for {services.set_access(queryset, enabled=False)} partner(s).")

    @admin.action(description="Switch to live mode")
    def switch_live(self, request, queryset):
        self.message_user(request, f"{services.set_live(queryset, live=True)} partner(s) are live.")

    @admin.action(description="Switch to test mode")
    def switch_test(self, request, queryset):
        self.message_user(request, f"{services.set_live(queryset, live=False)} partner(s) are in test mode.")


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created", "key_prefix", "partner", "method", "endpoint", "mode", "status", "duration_ms"]
    list_filter = ["mode", "status", "method"]
    search_fields = ["key_prefix", "endpoint", "partner__name"]
    list_select_related = ["partner"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
