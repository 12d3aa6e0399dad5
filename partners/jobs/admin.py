"""Jobs in the admin: staff assign a talent and deliver the recorded file through the services;
the history is read-only."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils.html import format_html

from core.admin import ReadOnlyInline
from core.errors import DomainError
from core.storage import object_storage
from partners.talents.models import Talent

from . import services
from .models import Job, JobEvent


class JobEventInline(ReadOnlyInline):
    model = JobEvent
    fields = ["created", "kind", "notes", "actor"]
    readonly_fields = fields
    verbose_name_plural = "history"


class JobForm(forms.ModelForm):
    deliver_file = forms.FileField(
        required=False, help_text="The recorded file (mp3, wav, ogg, flac or m4a), checked by content."
    )

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
    readonly_fields = [
        "program",
        "status",
        "edit_count",
        "edit_notes",
        "sample_script",
        "job_description",
        "script_file",
        "delivered_file",
        "manager_notified_at",
        "created",
        "updated",
    ]
    fields = [
        "program",
        "talent",
        "status",
        "sample_script",
        "script_file",
        "job_description",
        "deliver_file",
        "delivered_file",
        "edit_count",
        "edit_notes",
        "manager_notified_at",
        "created",
        "updated",
    ]
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
        return format_html(
            '<a href="{}">{}</a>',
            object_storage.signed_url(key, filename=name, content_type=content_type, absolute=False),
            name,
        )

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
