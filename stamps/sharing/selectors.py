"""Reads for sharing: share lookup and access rules, what a viewer sees, the owner's lists.

Access is decided here, once, for the API and the share page alike: a share is
``revoked`` (answered as not found), ``expired`` (gone) or ``active``; an active
share opens to its owner, to an invited recipient's personal token, and otherwise
by privacy (public: anyone; password: the right password; private: nobody else).
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db.models import Prefetch, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from core import errors
from core.errors import DomainError
from core.storage import object_storage
from core.throttles import AttemptBudget

from .. import selectors as stamp_selectors
from ..models import Stamp, StampFile
from .models import Delivery, Reply, Share, ShareRecipient

SHARE_NOT_FOUND = "Share not found"
SHARE_EXPIRED = "This share link has expired"

logger = logging.getLogger(__name__)


_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The same rule, for the OpenAPI document of every parameter that carries a share code or token.
TOKEN_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "maxLength": 64}


def clean_token(value) -> str:
    """A share code or token from a URL or header, or "" when it cannot be one (no query is made)."""
    text = str(value or "")
    return text if _TOKEN.fullmatch(text) else ""


class ShareState:
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def share_state(share: Share, now=None) -> str:
    """Checked at request time: a share past its expiry is expired even before beat marks it."""
    now = now or timezone.now()
    if share.revoked_at is not None:
        return ShareState.REVOKED
    if share.expired_at is not None or (share.expires_at is not None and share.expires_at <= now):
        return ShareState.EXPIRED
    return ShareState.ACTIVE


def public_url(share: Share) -> str:
    """This server's share page for the link (what the owner hands out)."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('stamps-share-page', kwargs={'code': share.share_code})}"


def recipient_url(recipient: ShareRecipient) -> str:
    """The invited recipient's personal link: the share page with their access token."""
    return f"{public_url(recipient.share)}?token={recipient.access_token}"


def owner_preview_token(share: Share) -> str:
    """The owner's preview of a share: it opens the share page and the public API as an invited
    recipient sees them (anyone else meets "This VoiceStamp is private" on a private share), and
    the owner's looks are not counted as views. Derived from the share with SECRET_KEY, so it needs
    no row, and revoking the share ends it with the share."""
    digest = salted_hmac("stamps.share.owner-preview", f"{share.pk}:{share.share_code}", algorithm="sha256").digest()
    return "preview-" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def owner_preview_url(share: Share) -> str:
    return f"{public_url(share)}?token={owner_preview_token(share)}"


# --- the owner's side ----------------------------------------------------------------------
def owned_stamp(user, raw_id) -> Stamp:
    """The caller's stamp, or 404 (another user's stamp is not found, never forbidden): its own row
    only, since sharing names the stamp (loading its files and jobs was a third of the replies page)."""
    return stamp_selectors.stamp_for_user(user, raw_id, related=False)


def _recipients_with_deliveries() -> Prefetch:
    return Prefetch(
        "recipients",
        queryset=ShareRecipient.objects.order_by("id").prefetch_related(
            Prefetch("deliveries", queryset=Delivery.objects.order_by("-created_at", "-id"))
        ),
    )


def shares_of_stamp(stamp: Stamp) -> QuerySet[Share]:
    return (
        Share.objects.filter(stamp=stamp).prefetch_related(_recipients_with_deliveries()).order_by("-created_at", "-id")
    )


def owned_share(stamp: Stamp, code: str) -> Share:
    code = clean_token(code)
    share = shares_of_stamp(stamp).filter(share_code=code).first() if code else None
    if share is None:
        raise DomainError("not_found", SHARE_NOT_FOUND)
    return share


def latest_delivery(recipient: ShareRecipient) -> Delivery | None:
    deliveries = list(recipient.deliveries.all())
    return deliveries[0] if deliveries else None


def replies_of_stamp(stamp: Stamp) -> QuerySet[Reply]:
    return Reply.objects.filter(share__stamp=stamp).select_related("share", "recipient").order_by("-created_at", "-id")


def storage_keys_of_stamp(stamp: Stamp) -> list[str]:
    """Objects sharing stores for a stamp (reply recordings), for whoever deletes the stamp."""
    return list(Reply.objects.filter(share__stamp=stamp).exclude(audio_key="").values_list("audio_key", flat=True))


# --- the viewer's side ---------------------------------------------------------------------
def share_for_code(code: str) -> Share:
    """The share a code names, whatever its state; unknown codes are 404, revoked too, expired 410."""
    code = clean_token(code)
    share = Share.objects.select_related("stamp", "stamp__owner").filter(share_code=code).first() if code else None
    if share is None:
        raise DomainError("not_found", SHARE_NOT_FOUND)
    state = share_state(share)
    if state == ShareState.REVOKED:
        raise DomainError("not_found", SHARE_NOT_FOUND)
    if state == ShareState.EXPIRED:
        raise DomainError("not_found", SHARE_EXPIRED, code=errors.SHARE_EXPIRED)
    return share


@dataclass(frozen=True)
class Access:
    """Who is looking at a share: the owner, an invited recipient, or anyone allowed by privacy."""

    share: Share
    viewer: str  # owner | recipient | visitor
    recipient: ShareRecipient | None = None

    @property
    def reply_token(self) -> str | None:
        if not self.share.allow_replies:
            return None
        return self.recipient.reply_token if self.recipient else self.share.reply_token


def check_share_password(share: Share, password: str | None, *, client: str) -> None:
    """The one check of a share password, for the public API, the file routes and the share page.

    Each client has STAMPS_SHARE_PASSWORD_RATE wrong guesses per share; once they are spent
    the attempt is refused (``too_many``, with Retry-After) before the password is compared,
    right or wrong. Asking without a password (``password_required``) spends nothing.
    """
    if not password:
        raise DomainError(
            "forbidden",
            "This share is protected by a password; send it in the X-Share-Password header",
            code=errors.SHARE_PASSWORD_REQUIRED,
        )
    budget = AttemptBudget("stamps_share_password", settings.THROTTLE_RATES["stamps_share_password"])
    ident = f"{share.share_code}:{client}"
    wait = budget.retry_after(ident)
    if wait is not None:
        raise DomainError("too_many", f"Too many attempts. Try again in {wait} seconds.", retry_after=wait)
    if not check_password(password, share.password_hash):
        budget.spend(ident)
        logger.info("share %s: wrong password", share.pk)
        raise DomainError("forbidden", "The password is incorrect", code=errors.SHARE_PASSWORD_INVALID)


def resolve_access(
    share: Share,
    *,
    user=None,
    access_token: str | None = None,
    password: str | None = None,
    client: str = "",
    password_checked: bool = False,
) -> Access:
    """Open an active share or raise the domain error saying what is missing.

    ``client`` is the caller's address (core.throttles.client_address), which the password
    budget counts by; ``password_checked`` is for the share page, whose session remembers
    an unlocked share.
    """
    if user is not None and getattr(user, "is_authenticated", False) and user.pk == share.stamp.owner_id:
        return Access(share, "owner")
    access_token = clean_token(access_token)
    if access_token and constant_time_compare(access_token, owner_preview_token(share)):
        return Access(share, "owner")
    if access_token:
        recipient = ShareRecipient.objects.filter(share=share, access_token=access_token).first()
        if recipient is not None:
            return Access(share, "recipient", recipient)
    if share.privacy == Share.Privacy.PUBLIC:
        return Access(share, "visitor")
    if share.privacy == Share.Privacy.PASSWORD:
        if not password_checked:
            check_share_password(share, password, client=client)
        return Access(share, "visitor")
    raise DomainError(
        "forbidden",
        "This share is private; open it with the personal link you were sent",
        code=errors.SHARE_PRIVATE,
    )


@dataclass(frozen=True)
class MediaLink:
    url: str
    content_type: str
    size: int
    expires_in: int
    width: int | None = None
    height: int | None = None
    duration: float | None = None

    def as_dict(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if value is not None}


def _files_by_role(stamp: Stamp) -> dict[str, StampFile]:
    files: dict[str, StampFile] = {}
    for item in StampFile.objects.filter(stamp=stamp).order_by("role", "position", "id"):
        files.setdefault(item.role, item)  # the first image (lowest position) is the one shown
    return files


def _link(item: StampFile | None, request=None) -> MediaLink | None:
    if item is None:
        return None
    ttl = settings.STAMPS_SHARE_URL_TTL
    url = object_storage.signed_url(
        item.key, expires=ttl, filename=item.filename, content_type=item.content_type, request=request
    )
    return MediaLink(
        url=url,
        content_type=item.content_type,
        size=item.size,
        expires_in=ttl,
        width=item.width,
        height=item.height,
        duration=item.duration,
    )


@dataclass(frozen=True)
class ShareContent:
    """Everything a viewer is shown: the stamp's words and short-lived links to its media."""

    stamp: Stamp
    audio: MediaLink | None
    image: MediaLink | None
    thumbnail: MediaLink | None
    recording: StampFile | None = None  # the row behind ``audio``: its duration and waveform peaks
    picture: StampFile | None = None  # the row behind ``image``: its stored width and height


def share_content(share: Share, request=None) -> ShareContent:
    stamp = share.stamp
    files = _files_by_role(stamp)
    audio_file = files.get(StampFile.Role.AUDIO) or files.get(StampFile.Role.AUDIO_AAC)
    image_file = files.get(StampFile.Role.IMAGE)
    return ShareContent(
        stamp=stamp,
        audio=_link(audio_file, request),
        image=_link(image_file, request),
        thumbnail=_link(files.get(StampFile.Role.THUMBNAIL), request),
        recording=audio_file,
        picture=image_file,
    )


def view_counts(share: Share) -> dict:
    stamp_views = Share.objects.filter(stamp_id=share.stamp_id).aggregate(total=Sum("view_count"))["total"] or 0
    return {"share_views": share.view_count, "stamp_views": stamp_views}


def share_grants_file(
    share_code: str,
    filename: str,
    *,
    user=None,
    access_token: str | None = None,
    password: str | None = None,
    client: str = "",
) -> StampFile | None:
    """For the stamps file views: the file if an open share of its stamp lets this caller see it.

    Raises the share's own domain errors (revoked, expired, locked, out of
    password guesses) like the public API, before anything is said about the file.
    """
    share = share_for_code(share_code)
    resolve_access(share, user=user, access_token=access_token, password=password, client=client)
    filename = str(filename)[:100]
    if "\x00" in filename:
        return None
    return StampFile.objects.filter(stamp_id=share.stamp_id, filename=filename).first()
