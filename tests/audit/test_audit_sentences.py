"""Audit entries said as sentences, from the details each service records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from smsaddon.audit import Action, Entry, sentence

OLIVIA = "Olivia Owner"


def entry(action: str, subject: str, details: dict[str, Any], actor: str = OLIVIA) -> Entry:
    return Entry(
        id=1,
        created_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        actor_user_id=1,
        actor=f"{actor} <owner@demo.test>",
        actor_name=actor,
        action=action,
        subject=subject,
        details=details,
        origin="203.0.113.7",
    )


def permissions(before: dict[str, Any], after: dict[str, Any]) -> Entry:
    details = {"user_id": 3, "email": "mark@demo.test", "before": before, "after": after}
    return entry("user.permissions_changed", "Mark Member <mark@demo.test>", details)


@pytest.mark.parametrize(
    ("before", "after", "said"),
    [
        (
            {"role": "user", "can_bill": True},
            {"role": "user", "can_bill": False},
            "Olivia Owner removed the billing permission from Mark Member",
        ),
        (
            {"role": "user", "can_bill": False},
            {"role": "user", "can_bill": True},
            "Olivia Owner gave the billing permission to Mark Member",
        ),
        (
            {"role": "user", "can_bill": False},
            {"role": "admin", "can_bill": True},
            "Olivia Owner made Mark Member an admin and gave the billing permission to Mark Member",
        ),
        (
            {"role": "admin", "can_bill": False},
            {"role": "user", "can_bill": False},
            "Olivia Owner made Mark Member a user",
        ),
    ],
)
def test_permission_changes(before: dict[str, Any], after: dict[str, Any], said: str) -> None:
    assert sentence(permissions(before, after)) == said


def test_purchases_say_what_was_bought_and_charged_in_money() -> None:
    details = {"kind": "add_addon", "amount": 581, "currency": "USD", "credits_now": 500}
    bought = entry("purchase.confirmed", "SMS add-on, 500 credits a month", details)
    assert sentence(bought) == (
        "Olivia Owner bought “SMS add-on, 500 credits a month” for $5.81 (500 credits granted now)"
    )
    removal = {"kind": "remove_addon", "amount": 0, "currency": "USD", "credits_now": 0}
    removed = entry("purchase.confirmed", "Remove the SMS add-on", removal)
    assert sentence(removed) == "Olivia Owner confirmed “Remove the SMS add-on” (nothing charged)"


def test_credits_tokens_and_the_time_zone() -> None:
    one = {"credits": -1, "reason": "Correction", "key": "k"}
    assert sentence(entry("credits.adjusted", "-1 credits", one)) == (
        "Olivia Owner removed 1 credit: “Correction”"
    )
    many = {"credits": 1500, "reason": "Goodwill", "key": "k"}
    assert sentence(entry("credits.adjusted", "+1,500 credits", many)) == (
        "Olivia Owner added 1,500 credits: “Goodwill”"
    )
    created = {"token_id": 4, "prefix": "sms_ab12", "name": "CRM sync"}
    assert sentence(entry("token.created", "API token sms_ab12... (CRM sync)", created)) == (
        "Olivia Owner created the API token “CRM sync” (sms_ab12…)"
    )
    revoked = {"token_id": 4, "prefix": "sms_ab12"}  # recorded before names were kept
    assert sentence(entry("token.revoked", "API token sms_ab12... (CRM sync)", revoked)) == (
        "Olivia Owner revoked the API token (sms_ab12…)"
    )
    zone = {"before": "UTC", "after": "America/New_York"}
    assert sentence(entry("account.time_zone_changed", "Demo Co", zone)) == (
        "Olivia Owner changed the account's time zone from UTC to America/New_York"
    )


def test_the_operator_and_the_reviewer_decide_registrations() -> None:
    rejected = entry(
        "registration.rejected",
        "10DLC registration",
        {"submission": 1, "reason": "The EIN does not match."},
        actor="The operator",
    )
    assert sentence(rejected) == (
        "The operator rejected the 10DLC registration: The EIN does not match."
    )
    approved = entry(
        "registration.approved",
        "10DLC registration",
        {"submission": 2},
        actor="The registration reviewer",
    )
    assert sentence(approved) == "The registration reviewer approved the 10DLC registration"


def test_an_action_without_a_sentence_still_says_what_happened() -> None:
    assert sentence(entry("export.downloaded", "Contacts", {})) == (
        "Olivia Owner did export.downloaded: Contacts"
    )


def test_every_action_is_said_as_its_own_sentence() -> None:
    # Given an entry of each action, when said, then none falls back to the raw action name.
    for action in Action:
        said = sentence(entry(action, "Mia Member <member@demo.test>", {}))
        assert said.startswith(f"{OLIVIA} ") and f"did {action}" not in said, action
