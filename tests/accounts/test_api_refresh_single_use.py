"""Refresh tokens are single-use on every configuration: parallel exchanges of one token give one
new pair, and a used token stays used whatever happens to the cache (it is recorded in the database)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from accounts import services, tokens
from accounts.models import UsedRefreshToken
from tests.conftest import clear_cache

pytestmark = pytest.mark.django_db(transaction=True)

REFRESH_URL = "/api/v1/auth/token/refresh"


@pytest.mark.fault
def test_parallel_refreshes_of_one_token_give_one_new_pair(live_server, user):
    for _ in range(5):
        refresh = tokens.issue_tokens(user).refresh
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(
                pool.map(
                    lambda _, refresh=refresh: (
                        requests.post(live_server.url + REFRESH_URL, json={"refresh": refresh}, timeout=30).status_code
                    ),
                    range(10),
                )
            )
        assert sorted(statuses) == [200] + [401] * 9


def test_a_used_refresh_token_stays_used_when_the_cache_is_emptied(api, user):
    refresh = tokens.issue_tokens(user).refresh
    assert api.post(REFRESH_URL, {"refresh": refresh}, format="json").status_code == 200
    clear_cache()
    again = api.post(REFRESH_URL, {"refresh": refresh}, format="json")
    assert again.status_code == 401 and again.json()["error"] == "invalid_token"


def test_expired_records_of_used_tokens_are_purged(user):
    UsedRefreshToken.objects.create(jti="expired", expires_at=timezone.now() - timedelta(seconds=1))
    tokens.revoke_refresh(tokens.decode_own(tokens.issue_tokens(user).refresh, tokens.REFRESH))
    assert services.purge_used_refresh_tokens() == 1
    assert UsedRefreshToken.objects.exclude(jti="expired").count() == 1
