"""Staff run accounts in the admin: users, teams, API keys (prefix only, revoke) and the ledger."""

import pytest

from accounts import services
from accounts.models import ApiKey, CreditAccount

pytestmark = pytest.mark.django_db


def test_admin_pages_load(admin_client, user):
    services.create_team(name="Studio", owner=user)
    for path in (
        "/admin/accounts/user/",
        f"/admin/accounts/user/{user.pk}/change/",
        "/admin/accounts/team/",
        "/admin/accounts/apikey/",
        "/admin/accounts/creditaccount/",
        "/admin/accounts/creditentry/",
        "/admin/accounts/creditentry/add/",
        "/admin/core/job/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_api_keys_show_only_the_prefix_and_can_be_revoked(admin_client, user):
    key, plaintext = services.create_api_key(user)
    page = admin_client.get("/admin/accounts/apikey/").content.decode()
    assert key.prefix in page and plaintext not in page and key.key_hash not in page
    response = admin_client.post("/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert response.status_code == 302
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert services.user_for_api_key(plaintext) is None


def test_staff_grant_credits_through_the_ledger(admin_client, admin_user, user):
    response = admin_client.post(
        "/admin/accounts/creditentry/add/", {"user": user.pk, "amount": "12.50", "note": "goodwill"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = CreditAccount.objects.get(user=user)
    assert str(account.balance) == "12.50"
    entry = account.entries.get()
    assert entry.kind == "grant" and entry.created_by == admin_user and entry.note == "goodwill"
