"""Seed the notification templates sharing sends: 100 (the share invitation, email and SMS),
101 (a reply arrived, to the owner) and 102 (a share expired, to the owner). Staff edit them
in the admin; this only creates rows that do not exist yet."""

from django.db import migrations

TEMPLATES = [
    {
        "template_id": 100,
        "channel": "email",
        "name": "Share invitation",
        "subject": "{{ sender_name }} shared a VoiceStamp with you: {{ stamp_title }}",
        "body": (
            "Hi{% if recipient_name %} {{ recipient_name }}{% endif %},\n\n"
            '{{ sender_name }} shared the VoiceStamp "{{ stamp_title }}" with you.'
            "{% if message %}\n\n{{ message }}{% endif %}\n\n"
            "Listen to it here: {{ share_url }}"
            '{% if expires_at %}\n\nThe link works until {{ expires_at|date:"j F Y, H:i e" }}.{% endif %}\n'
        ),
    },
    {
        "template_id": 100,
        "channel": "sms",
        "name": "Share invitation",
        "subject": "",
        "body": (
            '{{ sender_name }} shared a VoiceStamp with you: "{{ stamp_title }}".'
            "{% if message %} {{ message }}{% endif %} {{ share_url }}"
        ),
    },
    {
        "template_id": 101,
        "channel": "email",
        "name": "Reply received",
        "subject": "New reply to your VoiceStamp: {{ stamp_title }}",
        "body": (
            "Hi {{ owner_name }},\n\n"
            "{% if replier_name %}{{ replier_name }}{% else %}Someone with your share link{% endif %} replied to "
            '"{{ stamp_title }}"{% if reply_has_audio %} with a recording{% endif %}.'
            "{% if reply_message %}\n\n{{ reply_message }}{% endif %}\n\n"
            "The replies of a VoiceStamp are listed at GET /api/v1/voicestamps/{id}/replies.\n"
        ),
    },
    {
        "template_id": 102,
        "channel": "email",
        "name": "Share expired",
        "subject": "Your share of {{ stamp_title }} has expired",
        "body": (
            "Hi {{ owner_name }},\n\n"
            'The share link {{ share_code }} of your VoiceStamp "{{ stamp_title }}" expired'
            '{% if expires_at %} on {{ expires_at|date:"j F Y, H:i e" }}{% endif %}. '
            "People who open it now see that the link has expired.\n"
        ),
    },
]


def seed(apps, schema_editor):
    NotificationTemplate = apps.get_model("stamps", "NotificationTemplate")
    for template in TEMPLATES:
        NotificationTemplate.objects.get_or_create(
            template_id=template["template_id"],
            channel=template["channel"],
            defaults={key: template[key] for key in ("name", "subject", "body")},
        )


def unseed(apps, schema_editor):
    NotificationTemplate = apps.get_model("stamps", "NotificationTemplate")
    for template in TEMPLATES:
        NotificationTemplate.objects.filter(template_id=template["template_id"], channel=template["channel"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stamps", "0002_sharing"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
