"""What the pages' forms share: which field a refusal is about, and its status."""

from __future__ import annotations

from smsaddon.errors import DomainError, NotFound


def field_of(error: DomainError, default: str) -> str:
    """The form field `error` is about: the one the service named, else `default`."""
    named = error.details.get("field")
    if isinstance(named, str):
        return named
    return "list" if "list" in error.details else default


def form_status(error: DomainError) -> int:
    """The status of a form shown again with `error`: something typed into it that is not
    there (a list, a number on the opt-out list) is a validation error, never a 404."""
    return 422 if isinstance(error, NotFound) else error.status
