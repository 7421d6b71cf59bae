"""Each audit entry as a sentence: "Olivia Owner removed the billing permission from Mia
Member". Used by the audit page and `smsaddon audit`; the raw details stay in the JSON."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from smsaddon.audit.actions import Action
from smsaddon.audit.service import Entry
from smsaddon.formatting import count, money

_NAMED = re.compile(r"^(?P<name>.*\S)\s+<[^<>]*>$")  # "Mia Member <member@demo.test>"
ROLE_ARTICLES = {"admin": "an admin", "user": "a user", "primary_admin": "the Primary Admin"}


def sentence(entry: Entry) -> str:
    """What happened, said plainly, starting with who did it."""
    describe = _SENTENCES.get(entry.action)
    what = describe(entry, entry.details) if describe else f"did {entry.action}: {entry.subject}"
    return f"{entry.actor_name} {what}"


def _person(subject: str) -> str:
    found = _NAMED.match(subject)
    return found["name"] if found else subject


def _purchase(entry: Entry, details: dict[str, Any]) -> str:
    amount, currency = details.get("amount", 0), details.get("currency", "USD")
    granted = details.get("credits_now", 0)
    if not amount:
        return f"confirmed “{entry.subject}” (nothing charged)"
    extra = f" ({count(granted, 'credit')} granted now)" if granted else ""
    return f"bought “{entry.subject}” for {money(amount, currency)}{extra}"


def _adjusted(_entry: Entry, details: dict[str, Any]) -> str:
    credits = int(details.get("credits", 0))
    verb = "added" if credits > 0 else "removed"
    return f"{verb} {count(abs(credits), 'credit')}: “{details.get('reason', '')}”"


def _token(verb: str) -> Callable[[Entry, dict[str, Any]], str]:
    def describe(entry: Entry, details: dict[str, Any]) -> str:
        prefix, name = details.get("prefix"), details.get("name")
        if not prefix:
            return f"{verb} {entry.subject}"
        return f"{verb} the API token {f'“{name}” ' if name else ''}({prefix}…)"

    return describe


def _permissions(entry: Entry, details: dict[str, Any]) -> str:
    person = _person(entry.subject)
    before, after = details.get("before", {}), details.get("after", {})
    changes = []
    if before.get("role") != after.get("role"):
        role = ROLE_ARTICLES.get(after.get("role", ""), after.get("role"))
        changes.append(f"made {person} {role}")
    if before.get("can_bill") != after.get("can_bill"):
        changes.append(
            f"gave the billing permission to {person}"
            if after.get("can_bill")
            else f"removed the billing permission from {person}"
        )
    return " and ".join(changes) or f"changed nothing for {person}"


def _registration(what: str) -> Callable[[Entry, dict[str, Any]], str]:
    def describe(_entry: Entry, details: dict[str, Any]) -> str:
        reason = details.get("reason")
        return f"{what}: {reason}" if reason else what

    return describe


_SENTENCES: dict[str, Callable[[Entry, dict[str, Any]], str]] = {
    Action.ACCOUNT_TIME_ZONE_CHANGED: lambda _e, d: (
        f"changed the account's time zone from {d.get('before')} to {d.get('after')}"
    ),
    Action.PURCHASE_CONFIRMED: _purchase,
    Action.CREDITS_ADJUSTED: _adjusted,
    Action.TOKEN_CREATED: _token("created"),
    Action.TOKEN_REVOKED: _token("revoked"),
    Action.USER_PERMISSIONS_CHANGED: _permissions,
    Action.USER_PASSWORD_CHANGED: lambda _e, _d: "changed their password",
    Action.USER_PASSWORD_RESET: lambda e, _d: f"reset the password of {_person(e.subject)}",
    Action.PROFILE_SAVED: lambda _e, d: f"saved the business profile of {d.get('business_name')}",
    Action.NUMBER_PROVISIONED: lambda _e, d: (
        f"got the sender number {d.get('number')} ({d.get('country')})"
    ),
    Action.REGISTRATION_BRAND_SAVED: lambda _e, d: f"saved the 10DLC brand {d.get('legal_name')}",
    Action.REGISTRATION_CAMPAIGN_SAVED: lambda _e, d: (
        f"saved the 10DLC campaign ({d.get('use_case') or 'no use case yet'})"
    ),
    Action.REGISTRATION_SUBMITTED: lambda _e, d: (
        f"submitted the 10DLC registration for review (submission {d.get('submission')})"
    ),
    Action.REGISTRATION_APPROVED: _registration("approved the 10DLC registration"),
    Action.REGISTRATION_REJECTED: _registration("rejected the 10DLC registration"),
    Action.REGISTRATION_SUSPENDED: _registration("suspended the 10DLC campaign"),
}
