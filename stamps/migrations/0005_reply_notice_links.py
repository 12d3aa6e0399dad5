"""Template 101 (a reply arrived) linked to `GET /api/v1/voicestamps/{id}/replies`, which no one
can open from an email. It now links to the share as its viewers see it and to the recording.
A body staff have edited is left as they wrote it."""

from django.db import migrations

OLD_BODY = (
    "Hi {{ owner_name }},\n\n"
    "{% if replier_name %}{{ replier_name }}{% else %}Someone with your share link{% endif %} replied to "
    '"{{ stamp_title }}"{% if reply_has_audio %} with a recording{% endif %}.'
    "{% if reply_message %}\n\n{{ reply_message }}{% endif %}\n\n"
    "The replies of a VoiceStamp are listed at GET /api/v1/voicestamps/{id}/replies.\n"
)
NEW_BODY = (
    "Hi {{ owner_name }},\n\n"
    "{% if replier_name %}{{ replier_name }}{% else %}Someone with your share link{% endif %} replied to "
    '"{{ stamp_title }}"{% if reply_has_audio %} with a recording{% endif %}.'
    "{% if reply_message %}\n\n{{ reply_message }}{% endif %}"
    "{% if reply_audio_url %}\n\nListen to the reply: {{ reply_audio_url }}{% endif %}\n\n"
    "Open your VoiceStamp as the people you shared it with see it: {{ share_url }}\n"
)


def link_replies(apps, schema_editor):
    NotificationTemplate = apps.get_model("stamps", "NotificationTemplate")
    NotificationTemplate.objects.filter(template_id=101, channel="email", body=OLD_BODY).update(body=NEW_BODY)


def unlink_replies(apps, schema_editor):
    NotificationTemplate = apps.get_model("stamps", "NotificationTemplate")
    NotificationTemplate.objects.filter(template_id=101, channel="email", body=NEW_BODY).update(body=OLD_BODY)


class Migration(migrations.Migration):
    dependencies = [
        ("stamps", "0004_labels_in_english"),
    ]

    operations = [
        migrations.RunPython(link_replies, unlink_replies),
    ]
