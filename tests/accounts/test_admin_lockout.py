"""The Django admin login locks out after AXES_FAILURE_LIMIT wrong passwords (django-axes), per
client address and per account; the API logins are not part of it (they have their own throttles)."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff(make_user):
    return make_user(email="staff@example.com", password=PASSWORD, is_staff=True, is_superuser=True)


def _login(client, username, password, address="198.51.100.20", **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def test_repeated_wrong_staff_passwords_lock_out(staff, settings):
    browser = Client()
    wrong = [_login(browser, staff.email, f"guess {n}").status_code for n in range(settings.AXES_FAILURE_LIMIT - 1)]
    assert wrong == [200] * (settings.AXES_FAILURE_LIMIT - 1)  # the form again, with its error
    locked = _login(browser, staff.email, "one more guess")
    assert locked.status_code == 429 and "too many login attempts" in locked.content.decode()
    # Locked out: the right password no longer gets in, from here or from another address.
    assert _login(browser, staff.email, PASSWORD).status_code == 429
    assert _login(Client(), staff.email, PASSWORD, address="203.0.113.30").status_code == 429
    assert "_auth_user_id" not in browser.session
    assert AccessAttempt.objects.filter(username=staff.email).exists()


def test_an_operator_unlocks_with_axes_reset(staff, settings):
    browser = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(browser, staff.email, f"guess {n}")
    assert _login(browser, staff.email, PASSWORD).status_code == 429
    call_command("axes_reset", verbosity=0)
    assert _login(browser, staff.email, PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_locked_out_whatever_it_forwards(make_user, staff, settings):
    browser = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(browser, f"someone-{n}@example.com", "guess", HTTP_X_FORWARDED_FOR=f"10.1.0.{n}")
    assert _login(browser, staff.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.1.0.99").status_code == 429
    # Another client address and account are not affected.
    assert _login(Client(), staff.email, PASSWORD, address="203.0.113.31").status_code == 302


def test_a_success_clears_the_count(staff, settings):
    browser = Client()
    for _ in range(2):
        for n in range(settings.AXES_FAILURE_LIMIT - 1):
            _login(browser, staff.email, f"guess {n}")
        assert _login(browser, staff.email, PASSWORD).status_code == 302
        browser.logout()


def test_api_logins_are_not_locked_by_the_admin_lockout(user, settings):
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        assert (
            Client()
            .post(
                "/api/v1/auth/token", {"email": user.email, "password": f"guess {n}"}, content_type="application/json"
            )
            .status_code
            == 401
        )
    assert (
        Client()
        .post("/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, content_type="application/json")
        .status_code
        == 200
    )
    assert not AccessAttempt.objects.exists()
