"""The partner program's documented refusals, as domain errors (core.errors.DomainError)."""

from core.errors import DomainError


def refused(code: str, kind: str) -> DomainError:
    """A documented refusal of the partner API: its dialect words ``code`` with its numbered
    error (core/dialects/partners.py); the message here is what staff see in the admin."""
    return DomainError(kind, code.replace("_", " ").capitalize() + ".", code=code)
