"""The audit log: actions are an enum, the origin comes from the entrypoint, filters are exact."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import audit
from smsaddon.accounts import create_account, user_by_email
from smsaddon.db import transaction

NOW = datetime(2026, 11, 10, tzinfo=UTC)


@pytest.fixture
def owner_id(db: sessionmaker[Session]) -> int:
    with transaction(db) as s:
        create_account(
            s,
            name="Acme",
            owner_email="boss@acme.test",
            owner_name="Boss",
            password="x" * 12,
            now=NOW,
        )
        return user_by_email(s, "boss@acme.test").id


def _record(db: sessionmaker[Session], owner_id: int, action: audit.Action) -> None:
    with transaction(db) as s:
        owner = user_by_email(s, "boss@acme.test")
        audit.record(
            s,
            account_id=owner.account_id,
            actor_user_id=owner_id,
            action=action,
            subject="s",
            details={},
            now=NOW,
        )


def test_an_entry_comes_from_where_the_entrypoint_says(
    db: sessionmaker[Session], owner_id: int
) -> None:
    # Given a request from 203.0.113.7, when a service records without naming an origin,
    # then the entry says it came from 203.0.113.7; outside any request, from "system".
    with audit.origin_scope("203.0.113.7"):
        _record(db, owner_id, audit.Action.TOKEN_CREATED)
    _record(db, owner_id, audit.Action.TOKEN_REVOKED)
    with transaction(db) as s:
        owner = user_by_email(s, "boss@acme.test")
        entries = audit.list_entries(s, actor=owner)
    assert [(e.action, e.origin) for e in entries] == [
        ("token.revoked", "system"),
        ("token.created", "203.0.113.7"),
    ]


@pytest.mark.parametrize("wildcard", ["%", "_", "t_ken", "%oken"])
def test_the_action_filter_treats_like_wildcards_as_plain_characters(
    db: sessionmaker[Session], owner_id: int, wildcard: str
) -> None:
    _record(db, owner_id, audit.Action.TOKEN_CREATED)
    with transaction(db) as s:
        owner = user_by_email(s, "boss@acme.test")
        assert audit.list_entries(s, actor=owner, action=wildcard) == []
        assert [e.action for e in audit.list_entries(s, actor=owner, action="token")] == [
            "token.created"
        ]
