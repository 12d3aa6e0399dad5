"""Staff UI for sharing: shares with view counts and revoke, replies, templates, the delivery log."""

import pytest

from stamps.sharing.models import Delivery, NotificationTemplate, Reply, Share
from tests.stamps.sharing_helpers import reset_reply_throttle, stamp_with_media

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(user, api, anon, media_dir):
    reset_reply_throttle()
    stamp = stamp_with_media(user, media_dir, with_media=False)
    body = api.post(f"/api/v1/voicestamps/{stamp.pk}/share", {}, format="json").json()
    anon.get(f"/api/v1/voicestamp/public/{body['share_code']}?track_view=1")
    anon.post(f"/api/v1/security/vst/reply/{body['reply_token']}", {"message": "Seen it"}, format="json")
    api.post(f"/api/v1/voicestamps/{stamp.pk}/share/sms", {"recipient_phone": "+14155552671"}, format="json")
    return Share.objects.get(share_code=body["share_code"])


def test_admin_pages_load(admin_client, shared):
    reply = Reply.objects.get()
    template = NotificationTemplate.objects.get(template_id=100, channel="email")
    for path in (
        "/admin/stamps/share/",
        f"/admin/stamps/share/{shared.pk}/change/",
        "/admin/stamps/reply/",
        f"/admin/stamps/reply/{reply.pk}/change/",
        "/admin/stamps/notificationtemplate/",
        f"/admin/stamps/notificationtemplate/{template.pk}/change/",
        "/admin/stamps/delivery/",
        f"/admin/stamps/delivery/{Delivery.objects.first().pk}/change/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_share_list_shows_view_counts_and_revokes(admin_client, shared, anon):
    page = admin_client.get("/admin/stamps/share/").content.decode()
    assert shared.share_code in page and '<td class="field-view_count">1</td>' in page
    assert (
        shared.password_hash == ""
        and "password_hash" not in admin_client.get(f"/admin/stamps/share/{shared.pk}/change/").content.decode()
    )
    response = admin_client.post("/admin/stamps/share/", {"action": "revoke", "_selected_action": [shared.pk]})
    assert response.status_code == 302
    assert Share.objects.get(pk=shared.pk).revoked_at is not None
    assert anon.get(f"/api/v1/voicestamp/public/{shared.share_code}").status_code == 404


def test_templates_are_seeded_for_both_channels_and_editable(admin_client):
    assert set(NotificationTemplate.objects.filter(template_id=100).values_list("channel", flat=True)) == {
        "email",
        "sms",
    }
    template = NotificationTemplate.objects.get(template_id=100, channel="sms")
    url = f"/admin/stamps/notificationtemplate/{template.pk}/change/"
    form = {
        "template_id": 100,
        "channel": "sms",
        "name": "Share invitation",
        "subject": "",
        "body": "{{ sender_name }}: {{ share_url }}",
    }
    assert admin_client.post(url, form).status_code == 302
    assert NotificationTemplate.objects.get(pk=template.pk).body == "{{ sender_name }}: {{ share_url }}"
    broken = admin_client.post(url, {**form, "body": "{% if %}"})
    assert broken.status_code == 200 and "Not a valid template" in broken.content.decode()
    duplicate = admin_client.post("/admin/stamps/notificationtemplate/add/", form)
    assert duplicate.status_code == 200 and NotificationTemplate.objects.filter(template_id=100).count() == 2


def test_delivery_log_lists_every_message(admin_client, shared, user):
    page = admin_client.get("/admin/stamps/delivery/").content.decode()
    assert "+14155552671" in page and user.email in page  # the SMS invitation and the reply notice
    assert admin_client.get("/admin/stamps/delivery/add/").status_code == 403
