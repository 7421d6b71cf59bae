"""API tokens: a user holds at most MAX_ACTIVE_TOKENS active ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.accounts import create_account, user_by_email
from smsaddon.accounts.tokens import MAX_ACTIVE_TOKENS, create_token, revoke_token
from smsaddon.db import transaction
from smsaddon.errors import Conflict
from tests.snapshots import snapshot

NOW = datetime(2026, 11, 10, tzinfo=UTC)


def test_a_user_holds_a_limited_number_of_active_tokens(db: sessionmaker[Session]) -> None:
    # Given a user with the most active tokens allowed, when they create one more, then it is
    # refused with nothing written; once one is revoked, they may.
    with transaction(db) as s:
        create_account(
            s, name="Acme", owner_email="b@acme.test", owner_name="B", password="x" * 9, now=NOW
        )
        boss = user_by_email(s, "b@acme.test")
        first, _ = create_token(s, user=boss, name="token 0", now=NOW)
        for n in range(1, MAX_ACTIVE_TOKENS):
            create_token(s, user=boss, name=f"token {n}", now=NOW)
    before = snapshot(db)
    refused = f"You have {MAX_ACTIVE_TOKENS} active API tokens"
    with pytest.raises(Conflict, match=refused), transaction(db) as s:
        create_token(s, user=user_by_email(s, "b@acme.test"), name="one more", now=NOW)
    assert snapshot(db) == before
    with transaction(db) as s:
        boss = user_by_email(s, "b@acme.test")
        revoke_token(s, user=boss, token_id=first.id, now=NOW)
        assert create_token(s, user=boss, name="one more", now=NOW)[0].name == "one more"
