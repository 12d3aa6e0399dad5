from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import services
from .models import ApiKey, CreditAccount, CreditEntry, ExternalIdentity, Membership, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "verified", "date_joined"]
    list_filter = ["is_staff", "is_active", "verified"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "verified")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        services.save_user_for_staff(obj, deactivated=change and "is_active" in form.changed_data and not obj.is_active)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ["subject", "issuer", "user", "last_seen_at"]
    search_fields = ["subject", "user__email"]
    readonly_fields = ["user", "issuer", "subject", "created_at", "last_seen_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__email"]
    fields = ["prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset):
        count = services.revoke_keys(queryset)
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)


class CreditEntryInline(admin.TabularInline):
    model = CreditEntry
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "amount", "balance_after", "reference", "note", "created_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "balance", "initial_credits", "updated_at"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "balance", "initial_credits", "updated_at"]
    inlines = [CreditEntryInline]

    def has_add_permission(self, request):
        return False


class GrantForm(forms.ModelForm):
    user = forms.ModelChoiceField(queryset=User.objects.all())

    class Meta:
        model = CreditEntry
        fields = ["user", "amount", "note"]


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin):
    """The ledger, read-only; "Add" grants credits through the ledger service."""

    list_display = ["created_at", "account", "kind", "amount", "balance_after", "reference", "created_by"]
    list_filter = ["kind"]
    search_fields = ["account__user__email", "reference"]
    form = GrantForm

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["account", "kind", "amount", "balance_after", "reference", "note", "created_by", "created_at"]
        return []

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) if obj else ["user", "amount", "note"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        entry = services.grant_credits(
            form.cleaned_data["user"], form.cleaned_data["amount"], note=form.cleaned_data["note"], by=request.user
        )
        for field in CreditEntry._meta.concrete_fields:
            setattr(obj, field.attname, getattr(entry, field.attname))
        obj._state.adding = False
