"""The audit's findings on the API, each answered 4xx (never 500) with nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smsaddon.accounts import user_by_email
from smsaddon.accounts.tokens import MAX_ACTIVE_TOKENS, create_token, list_tokens
from smsaddon.db import transaction, utcnow
from smsaddon.errors import Conflict
from tests.fixtures.api import Api
from tests.fixtures.snapshots import snapshot

GB = "+447400123456"
HUGE = 2**63


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/contacts", {"offset": str(HUGE)}, "offset"),  # there is no offset any more
        ("/api/v1/contacts", {"limit": str(HUGE)}, "limit"),
        ("/api/v1/invoices", {"issued_until": "9999-12-31"}, "issued_until"),
        ("/api/v1/invoices", {"issued_from": "0000-01-01"}, "issued_from"),
        ("/api/v1/audit", {"until": "9999-12-31T23:59:59-23:00"}, "until"),
        ("/api/v1/audit", {"actor_user_id": str(HUGE)}, "actor_user_id"),
        ("/api/v1/messages", {"broadcast_id": str(HUGE)}, "broadcast_id"),
    ],
)
def test_out_of_range_filters_are_refused_naming_the_field(
    api: Api, path: str, params: dict[str, str], field: str
) -> None:
    response = api.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_failed"
    named = body.get("field") or ",".join(".".join(e["location"]) for e in body["errors"])
    assert field in named


@pytest.mark.parametrize(
    "cursor",
    [
        "YWZ0ZXI6OTIyMzM3MjAzNjg1NDc3NTgwOA",  # after:2**63
        "YWZ0ZXI6MA",  # after:0
        "YmVmb3JlOjE",  # before:1, the old invoice cursor
        "not base64!",
    ],
)
def test_every_list_refuses_a_cursor_it_did_not_give(api: Api, cursor: str) -> None:
    for path in ("/api/v1/contacts", "/api/v1/messages", "/api/v1/invoices", "/api/v1/opt-outs"):
        response = api.get(path, params={"cursor": cursor})
        assert response.status_code == 422, (path, response.text)
        assert (response.json()["code"], response.json()["field"]) == (
            "validation_failed",
            "cursor",
        )


def test_send_at_takes_an_iso_8601_string(api: Api) -> None:
    api.buy()
    later = (utcnow() + timedelta(days=2)).replace(hour=12, minute=0, second=0, microsecond=0)
    response = api.post(
        "/api/v1/messages",
        {"to": GB, "text": "Doors open at noon", "send_at": later.isoformat()},
    )
    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["due_at"]) >= later


@pytest.mark.parametrize(
    ("send_at", "detail"),
    [
        ("9999-12-31T00:00:00Z", "send_at is more than a year ahead."),
        ("2026-11-11T09:00:00", "Give send_at with its offset, like 2026-11-11T09:00:00Z."),
    ],
)
def test_send_at_far_ahead_or_without_offset_is_refused(
    api: Api, send_at: str, detail: str
) -> None:
    api.buy()
    before = snapshot(api.sessions)
    for path, body in (
        ("/api/v1/messages", {"to": GB, "text": "Hi", "send_at": send_at}),
        ("/api/v1/broadcasts", {"list": "customers", "text": "Hi", "send_at": send_at}),
    ):
        response = api.post(path, body)
        assert response.status_code == 422, response.text
        assert (response.json()["field"], response.json()["detail"]) == ("send_at", detail)
    assert snapshot(api.sessions) == before


def test_the_audit_action_filter_takes_wildcards_literally(api: Api) -> None:
    api.buy()
    everything = api.get("/api/v1/audit").json()["total"]
    assert everything > 0
    for wildcard in ("%", "_", "billing%", "%.%"):
        found = api.get("/api/v1/audit", params={"action": wildcard}).json()
        assert (found["items"], found["total"]) == ([], 0), wildcard


def test_lists_show_their_total(api: Api) -> None:
    api.buy()
    invoices = api.get("/api/v1/invoices", params={"limit": 1}).json()
    assert invoices["total"] >= 1
    assert len(invoices["items"]) == 1


def test_a_user_has_at_most_a_fixed_number_of_active_tokens(api: Api) -> None:
    now = datetime(2026, 11, 10, tzinfo=UTC)
    with transaction(api.sessions) as session:
        member = user_by_email(session, "member@demo.test")
        for n in range(MAX_ACTIVE_TOKENS - 1):  # the fixtures gave the member one already
            create_token(session, user=member, name=f"script {n}", now=now)
    before = snapshot(api.sessions)
    with pytest.raises(Conflict) as refused, transaction(api.sessions) as session:
        create_token(
            session, user=user_by_email(session, "member@demo.test"), name="one more", now=now
        )
    assert refused.value.message == (
        f"You have {MAX_ACTIVE_TOKENS} active API tokens, the most a user may have. "
        "Revoke one you no longer use, then create this one."
    )
    assert snapshot(api.sessions) == before
    with transaction(api.sessions) as session:
        tokens = list_tokens(session, user=user_by_email(session, "member@demo.test"))
        assert len(tokens) == MAX_ACTIVE_TOKENS
