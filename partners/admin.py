"""The partner program in the admin: partners and their keys and balance, programs,
talents with demos, jobs with their deliveries and history, the audit log."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html

from core.errors import DomainError
from core.storage import object_storage

from . import services
from .models import AuditLogEntry, Demo, Job, JobEvent, LedgerEntry, Partner, PartnerApiKey, Program, Talent


def _new_keys_page(request, new_keys):
    """The only place a new key's plaintext appears (the database keeps its hash); never cached."""
    response = TemplateResponse(request, "admin/partners/partner/new_keys.html",
                                {**admin.site.each_context(request), "new_keys": new_keys, "title": "New API key"})
    add_never_cache_headers(response)
    return response


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
        required=False, min_value=Decimal("0.01"), decimal_places=2, max_digits=14,
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
                services.record_payment(obj, form.cleaned_data["payment"], note="recorded in the admin",
                                        by=request.user)
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


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "unit_price", "start_date", "end_date", "is_active", "edit_limit", "max_edits",
                    "manager_email"]
    list_filter = ["is_active", "partner"]
    search_fields = ["name", "partner__name", "manager_email"]
    list_select_related = ["partner"]
    filter_horizontal = ["talents"]
    readonly_fields = ["created", "updated"]


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
    demo_audio = forms.FileField(required=False, help_text="Add a demo: mp3, wav, ogg, flac or m4a (checked by content).")
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
                services.add_demo(obj, form.cleaned_data["demo_audio"], title=form.cleaned_data.get("demo_title", ""),
                                  tags=tags)
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


class JobEventInline(ReadOnlyInline):
    model = JobEvent
    fields = ["created", "kind", "notes", "actor"]
    readonly_fields = fields
    verbose_name_plural = "history"


class JobForm(forms.ModelForm):
    deliver_file = forms.FileField(required=False,
                                   help_text="The recorded file (mp3, wav, ogg, flac or m4a), checked by content.")

    class Meta:
        model = Job
        fields = ["talent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Staff assign one of the program's talents (or keep the one the partner asked for).
            self.fields["talent"].queryset = Talent.objects.filter(
                Q(programs=self.instance.program_id) | Q(pk=self.instance.talent_id)
            ).distinct()


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    form = JobForm
    list_display = ["id", "program", "talent", "status", "edit_count", "created", "updated"]
    list_filter = ["status", "program__partner"]
    search_fields = ["id", "program__name", "talent__last_name"]
    list_select_related = ["program__partner", "talent"]
    readonly_fields = ["program", "status", "edit_count", "edit_notes", "sample_script", "job_description",
                       "script_file", "delivered_file", "manager_notified_at", "created", "updated"]
    fields = ["program", "talent", "status", "sample_script", "script_file", "job_description", "deliver_file",
              "delivered_file", "edit_count", "edit_notes", "manager_notified_at", "created", "updated"]
    inlines = [JobEventInline]
    actions = ["assign_requested_talent"]

    def has_add_permission(self, request):
        return False  # jobs are created by partners through the API

    @admin.display(description="Script file")
    def script_file(self, job):
        return self._link(job.script_file_key, job.script_file_name, job.script_file_type)

    @admin.display(description="Delivered file")
    def delivered_file(self, job):
        return self._link(job.delivered_file_key, job.delivered_file_name, job.delivered_content_type)

    @staticmethod
    def _link(key, name, content_type):
        if not key:
            return "—"
        return format_html('<a href="{}">{}</a>', object_storage.signed_url(key, filename=name,
                                                                            content_type=content_type), name)

    def save_model(self, request, obj, form, change):
        by = request.user.email
        try:
            if "talent" in form.changed_data or obj.status == Job.Status.NEW:
                obj = services.assign_talent(obj, form.cleaned_data["talent"], by=by)
            upload = form.cleaned_data.get("deliver_file")
            if upload:
                services.deliver_file(obj, upload, upload.name, by=by)
        except DomainError as exc:
            self.message_user(request, f"Not saved: {' '.join(exc.messages)}", messages.ERROR)

    @admin.action(description="Assign the requested talent")
    def assign_requested_talent(self, request, queryset):
        jobs = list(queryset.filter(status=Job.Status.NEW).select_related("talent"))
        for job in jobs:
            services.assign_talent(job, job.talent, by=request.user.email)
        self.message_user(request, f"Assigned {len(jobs)} job(s).")


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
