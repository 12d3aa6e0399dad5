"""Writes of the accounts domain: users, API keys, external identities and the credit ledger."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.errors import DomainError
from core.keys import KeyService

from .models import ApiKey, CreditAccount, CreditEntry, ExternalIdentity, Team, UsedRefreshToken, User

API_KEY_PREFIX = "vpk"


class InsufficientCredits(Exception):
    def __init__(self, balance: Decimal, needed: Decimal):
        super().__init__(f"balance {balance} is less than {needed}")
        self.balance = balance
        self.needed = needed


# --- users ------------------------------------------------------------------------
@transaction.atomic
def register_user(*, email: str, password: str, display_name: str = "") -> User:
    """Create a user with a credit account (and the configured initial credits)."""
    email = User.objects.normalize_email(email).lower()
    candidate = User(email=email, display_name=display_name)
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as exc:
        raise DomainError("invalid", fields={"password": exc.messages}) from None
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError("invalid", "A user with this email already exists.", field="email")
    user = User.objects.create_user(email=email, password=password, display_name=display_name)
    account = CreditAccount.objects.create(user=user)
    if settings.INITIAL_CREDITS:
        grant_credits(user, Decimal(settings.INITIAL_CREDITS), note="initial credits", initial=True)
    return account.user


@transaction.atomic
def user_from_oidc_claims(issuer: str, claims: dict, *, role_claim: str, admin_role: str) -> User:
    """Match or create the user behind an external token (by subject: oid, else sub)."""
    subject = str(claims.get("oid") or claims["sub"])
    name = str(claims.get("name") or "")[:150]
    roles = claims.get(role_claim) or []
    is_admin = admin_role in (roles if isinstance(roles, list) else [roles])
    identity = ExternalIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is None:
        email = str(claims.get("email") or claims.get("preferred_username") or claims.get("upn") or "").lower()
        if not email or "@" not in email or User.objects.filter(email__iexact=email).exists():
            # Never attach an external identity to an existing local account by email:
            # whoever controls the issuer would take the account over.
            email = f"{subject}@{_issuer_host(issuer)}".lower()
        user = User.objects.create_user(email=email, password=None, display_name=name, verified=True)
        CreditAccount.objects.create(user=user)
        identity = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    user = identity.user
    changed = []
    if name and user.display_name != name:
        user.display_name = name
        changed.append("display_name")
    if user.is_staff != is_admin and not user.is_superuser:
        user.is_staff = is_admin
        changed.append("is_staff")
    if changed:
        user.save(update_fields=changed)
    return user


def _issuer_host(issuer: str) -> str:
    return (urlsplit(issuer).hostname or "oidc").replace("_", "-") + ".oidc"


# --- teams --------------------------------------------------------------------------
@transaction.atomic
def create_team(*, name: str, owner: User, members=()) -> Team:
    team = Team.objects.create(name=name)
    team.memberships.create(user=owner, role="owner")
    for member in members:
        if member != owner:
            team.memberships.create(user=member)
    return team


# --- API keys -----------------------------------------------------------------------
api_keys = KeyService(ApiKey, "user", API_KEY_PREFIX, owner_is_usable=lambda user: user.is_active)


def create_api_key(user: User, *, expires_at=None) -> tuple[ApiKey, str]:
    """A new key for ``user``; the account's previous key stops working. Returns (row, plaintext)."""
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError("invalid", "expires_at must be in the future.", field="expires_at")
    return api_keys.issue(user, expires_at=expires_at)


def end_issued_tokens(user: User) -> None:
    """End every JWT and refresh token issued to the user so far (deactivation; a password
    change ends them by itself, see accounts.tokens.token_stamp)."""
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])


@transaction.atomic
def save_user_for_staff(user: User, *, deactivated: bool) -> User:
    """Save a user edited by staff. A deactivation ends the user's tokens for good: reactivating
    does not bring them back."""
    user.save()
    if deactivated:
        end_issued_tokens(user)
    return user


def revoke_keys(keys) -> int:
    """Revoke the selected API keys that are still live (staff); returns how many."""
    return keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_api_keys(user: User) -> int:
    return api_keys.revoke(user)


def user_for_api_key(plaintext: str) -> User | None:
    """The active user an API key belongs to, or None (unknown, revoked, expired, tampered)."""
    key = api_keys.authenticate(plaintext)
    return key.user if key else None


def purge_expired_api_keys() -> int:
    deleted, _ = ApiKey.objects.filter(expires_at__lt=timezone.now() - timezone.timedelta(days=30)).delete()
    return deleted


def purge_used_refresh_tokens() -> int:
    """Forget used refresh tokens once they have expired: an expired token fails on its own."""
    deleted, _ = UsedRefreshToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


# --- credits ------------------------------------------------------------------------
def _locked_account(user: User) -> CreditAccount:
    account, _ = CreditAccount.objects.select_for_update().get_or_create(user=user)
    return account


def _as_amount(amount) -> Decimal:
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    if value <= 0:
        raise ValueError("credit amounts are positive")
    return value


@transaction.atomic
def grant_credits(user: User, amount, *, note: str = "", by: User | None = None, initial: bool = False) -> CreditEntry:
    amount = _as_amount(amount)
    account = _locked_account(user)
    account.balance += amount
    if initial:
        account.initial_credits += amount
    account.save(update_fields=["balance", "initial_credits", "updated_at"])
    return CreditEntry.objects.create(
        account=account,
        kind=CreditEntry.Kind.GRANT,
        amount=amount,
        balance_after=account.balance,
        note=note,
        created_by=by,
    )


@transaction.atomic
def charge_credits(user: User, amount, *, reference: str, note: str = "") -> CreditEntry:
    """Take ``amount`` for ``reference``; charging the same reference again returns the first entry."""
    amount = _as_amount(amount)
    account = _locked_account(user)
    existing = account.entries.filter(kind=CreditEntry.Kind.CHARGE, reference=reference).first()
    if existing:
        return existing
    if account.balance < amount:
        raise InsufficientCredits(account.balance, amount)
    account.balance -= amount
    account.save(update_fields=["balance", "updated_at"])
    return CreditEntry.objects.create(
        account=account,
        kind=CreditEntry.Kind.CHARGE,
        amount=amount,
        balance_after=account.balance,
        reference=reference,
        note=note,
    )


@transaction.atomic
def refund_credits(user: User, *, reference: str, note: str = "") -> CreditEntry | None:
    """Give back what was charged for ``reference``, once. None if nothing was charged."""
    account = _locked_account(user)
    charge = account.entries.filter(kind=CreditEntry.Kind.CHARGE, reference=reference).first()
    if charge is None:
        return None
    existing = account.entries.filter(kind=CreditEntry.Kind.REFUND, reference=reference).first()
    if existing:
        return existing
    account.balance += charge.amount
    account.save(update_fields=["balance", "updated_at"])
    return CreditEntry.objects.create(
        account=account,
        kind=CreditEntry.Kind.REFUND,
        amount=charge.amount,
        balance_after=account.balance,
        reference=reference,
        note=note,
    )
