from django.db import migrations, models
from django.db.models import F


def existing_jobs_were_sent(apps, schema_editor):
    """Jobs created before sent_at existed went to the broker when they were created."""
    apps.get_model("core", "Job").objects.filter(sent_at__isnull=True).update(sent_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="job",
            name="lease_owner",
            field=models.CharField(blank=True, help_text="host:pid of the process running the job.", max_length=200),
        ),
        migrations.AddField(
            model_name="job",
            name="lease_token",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="job",
            name="sent_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the task message reached the broker; empty means the sweeper sends it.",
                null=True,
            ),
        ),
        migrations.RunPython(existing_jobs_were_sent, migrations.RunPython.noop),
    ]
