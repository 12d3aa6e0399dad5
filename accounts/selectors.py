"""Reads of the accounts domain."""

from decimal import Decimal

from .models import CreditAccount, Team, User


def user_teams(user: User):
    return Team.objects.filter(memberships__user=user).order_by("name")


def team_ids_of(user: User) -> list:
    return list(Team.objects.filter(memberships__user=user).values_list("id", flat=True))


def credit_summary(user: User) -> dict:
    account = CreditAccount.objects.filter(user=user).only("balance", "initial_credits").first()
    if account is None:
        return {"credits": Decimal("0"), "initial_credits": Decimal("0")}
    return {"credits": account.balance, "initial_credits": account.initial_credits}
