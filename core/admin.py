from celery import current_app
from django.contrib import admin, messages

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["kind", "subject", "state", "progress", "attempts", "created_at", "finished_at"]
    list_filter = ["state", "kind"]
    search_fields = ["id", "kind", "subject", "error"]
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["requeue"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Re-queue selected jobs (failed ones get their attempts back)")
    def requeue(self, request, queryset):
        count = 0
        for job in queryset.exclude(state=Job.State.SUCCEEDED):
            Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, attempts=0, error="", finished_at=None)
            current_app.send_task(job.task_name, args=[str(job.pk)])
            count += 1
        self.message_user(request, f"Re-queued {count} job(s).", messages.SUCCESS)
