"""The one application error: what went wrong in the domain, said without HTTP.

Services (and selectors) raise ``DomainError``; they never know which API called them. Each API
dialect (core/dialects/) turns it into its documented body and status: ``kind`` picks the generic
situation, ``code`` is a stable name a dialect may map to a documented code of its own (the
gallery's ``VOICE_IN_USE``, the partner API's numeric 140), ``fields`` carries per-field
messages. The admin catches the same error and shows ``message`` to staff.
"""

from __future__ import annotations

from typing import Any

# kind -> what happened, in domain words. Dialects map each to a status of their own.
KINDS = (
    "invalid",  # the input breaks a rule (with ``fields`` when a field is to blame)
    "not_found",  # the thing does not exist, or not for this caller
    "conflict",  # the thing's current state does not allow it
    "forbidden",  # the caller may not do this
    "payment_required",  # not enough credits
    "too_large",  # more bytes than allowed
    "too_many",  # the caller has too much work under way (``retry_after`` seconds)
    "unavailable",  # something this depends on cannot serve now
)


class DomainError(Exception):
    """A refusal a caller can act on; ``message`` is safe to show them."""

    def __init__(
        self,
        kind: str,
        message: str = "",
        *,
        code: str = "",
        fields: dict[str, list[str]] | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ):
        if kind not in KINDS:
            raise ValueError(f"unknown domain error kind {kind!r}")
        if field is not None:
            fields = {field: [message]}
        super().__init__(message or code or kind)
        self.kind = kind
        self.message = message
        self.code = code
        self.fields = fields
        self.extra = extra or {}
        self.retry_after = retry_after

    def __str__(self) -> str:
        if self.message:
            return self.message
        if self.fields:
            return " ".join(text for messages in self.fields.values() for text in messages)
        return self.code or self.kind

    @property
    def messages(self) -> list[str]:
        """Every message, for a form or an admin notice."""
        if self.fields:
            return [text for messages in self.fields.values() for text in messages]
        return [str(self)]


def invalid(fields: dict[str, list[str]] | str, *, code: str = "") -> DomainError:
    """An ``invalid`` error naming the fields to blame (``{"field": ["message"]}``), or a message."""
    if isinstance(fields, str):
        return DomainError("invalid", fields, code=code)
    return DomainError("invalid", code=code, fields=fields)


# Stable codes that some API documents in words of its own (see each dialect's ``domain_codes``).
CALIBRATION_NAME_TAKEN = "calibration_name_taken"
NOT_RETRYABLE = "not_retryable"
VOICE_NOT_FOUND = "voice_not_found"
VOICE_IN_USE = "voice_in_use"
INVALID_FILE_TYPE = "invalid_file_type"
FILE_TOO_LARGE = "file_too_large"
INVALID_SAMPLE_URL = "invalid_sample_url"
# Audio refused at intake (core.uploads.AudioRejected).
AUDIO_TOO_LARGE = "audio_too_large"
AUDIO_TOO_LONG = "audio_too_long"
AUDIO_UNREADABLE = "audio_unreadable"
# A share link refused to its viewer (stamps.sharing.selectors); the share page reads these too.
SHARE_EXPIRED = "share_expired"
SHARE_PASSWORD_REQUIRED = "password_required"
SHARE_PASSWORD_INVALID = "invalid_password"
SHARE_PRIVATE = "private_share"
