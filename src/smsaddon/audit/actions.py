"""What the audit log records: one member per kind of entry, each said as a sentence by
`sentences.py` (a test checks that every action has its sentence)."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    ACCOUNT_TIME_ZONE_CHANGED = "account.time_zone_changed"
    PURCHASE_CONFIRMED = "purchase.confirmed"
    CREDITS_ADJUSTED = "credits.adjusted"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    USER_PERMISSIONS_CHANGED = "user.permissions_changed"
    USER_PASSWORD_CHANGED = "user.password_changed"
    USER_PASSWORD_RESET = "user.password_reset"
    PROFILE_SAVED = "profile.saved"
    NUMBER_PROVISIONED = "number.provisioned"
    REGISTRATION_BRAND_SAVED = "registration.brand_saved"
    REGISTRATION_CAMPAIGN_SAVED = "registration.campaign_saved"
    REGISTRATION_SUBMITTED = "registration.submitted"
    REGISTRATION_APPROVED = "registration.approved"
    REGISTRATION_REJECTED = "registration.rejected"
    REGISTRATION_SUSPENDED = "registration.suspended"

    @property
    def area(self) -> str:
        return self.value.split(".")[0]


# Filters take an action or an area ("registration").
ACTIONS = tuple(Action)
AREAS = tuple(dict.fromkeys(action.area for action in Action))
