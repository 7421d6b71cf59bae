"""The domain errors. Each surface maps them: HTTP status + stable code, modal text, CLI exit 1."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A refused operation. `code` is stable (API clients rely on it); `status` is the HTTP one."""

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 422

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ConfigError(Exception):
    """A bad setting or catalog file; raised at start-up, never during a request."""


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class PlanNotEligible(DomainError):
    code = "plan_not_eligible"
    status = 403


class InsufficientCredits(DomainError):
    code = "insufficient_credits"
    status = 402


class PaymentDeclined(DomainError):
    code = "payment_declined"
    status = 402


class QuoteExpired(DomainError):
    code = "quote_expired"
    status = 410


class QuoteStale(DomainError):
    code = "quote_stale"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidPhoneNumber(DomainError):
    code = "invalid_phone_number"
    status = 422


class UnsupportedCountry(DomainError):
    code = "unsupported_country"
    status = 422


class InvalidMessage(DomainError):
    code = "invalid_message"
    status = 422


class RegistrationRequired(DomainError):
    """A message to a US number before the account's 10DLC campaign is approved."""

    code = "registration_required"
    status = 403


class AddonRequired(DomainError):
    """Sending needs the SMS add-on, active now."""

    code = "addon_required"
    status = 403
