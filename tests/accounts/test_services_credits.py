"""The credit ledger: grants, charges and refunds inside transactions; never negative; once per reference."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts import services
from accounts.models import CreditAccount, CreditEntry

pytestmark = pytest.mark.django_db


def balance(user):
    return CreditAccount.objects.get(user=user).balance


def test_grant_charge_refund(user):
    services.grant_credits(user, 10)
    entry = services.charge_credits(user, Decimal("3.50"), reference="order:1")
    assert entry.balance_after == Decimal("6.50") and balance(user) == Decimal("6.50")
    services.refund_credits(user, reference="order:1")
    assert balance(user) == Decimal("10.00")
    assert list(CreditEntry.objects.filter(account__user=user).values_list("kind", flat=True)) == [
        "refund",
        "charge",
        "grant",
    ]


def test_charges_and_refunds_happen_once_per_reference(user):
    services.grant_credits(user, 10)
    first = services.charge_credits(user, 4, reference="order:7")
    again = services.charge_credits(user, 4, reference="order:7")
    assert first.pk == again.pk and balance(user) == Decimal("6.00")
    services.refund_credits(user, reference="order:7")
    services.refund_credits(user, reference="order:7")
    assert balance(user) == Decimal("10.00")
    assert services.refund_credits(user, reference="never-charged") is None


def test_the_balance_never_goes_negative(user):
    services.grant_credits(user, 2)
    with pytest.raises(services.InsufficientCredits):
        services.charge_credits(user, 3, reference="order:2")
    assert balance(user) == Decimal("2.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(user=user).update(balance=Decimal("-1"))


def test_amounts_must_be_positive(user):
    for amount in (0, -5):
        with pytest.raises(ValueError):
            services.grant_credits(user, amount)


def test_initial_credits_on_registration(settings):
    settings.INITIAL_CREDITS = 25
    user = services.register_user(email="fresh@example.com", password="a long enough passphrase")
    account = CreditAccount.objects.get(user=user)
    assert account.balance == account.initial_credits == Decimal("25.00")
