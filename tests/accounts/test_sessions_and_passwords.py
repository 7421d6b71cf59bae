"""Web sessions on the server, password change and reset (M5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import audit
from smsaddon.accounts import authenticate, create_account, sessions, user_by_email
from smsaddon.accounts.passwords import change_password, reset_password
from smsaddon.db import transaction
from smsaddon.errors import ValidationFailed
from tests.fixtures.snapshots import snapshot

NOW = datetime(2026, 11, 10, tzinfo=UTC)
EMAIL, PASSWORD = "boss@acme.test", "correct horse"


@pytest.fixture
def db_with_boss(db: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(db) as s:
        create_account(
            s, name="Acme", owner_email=EMAIL, owner_name="Boss", password=PASSWORD, now=NOW
        )
    return db


def _start(db: sessionmaker[Session], at: datetime = NOW) -> str:
    with transaction(db) as s:
        return sessions.start(s, user=user_by_email(s, EMAIL), hours=12, now=at)


def _who(db: sessionmaker[Session], token: str, at: datetime) -> str | None:
    with transaction(db) as s:
        user = sessions.user_of(s, token=token, now=at)
        return user.email if user else None


def test_a_session_lives_a_fixed_time_from_sign_in_however_used(
    db_with_boss: sessionmaker[Session],
) -> None:
    # Given a session started at NOW for 12 hours, when it is used all along,
    # then it still ends 12 hours after sign-in.
    token = _start(db_with_boss)
    for hour in range(12):
        assert _who(db_with_boss, token, NOW + timedelta(hours=hour, minutes=59)) == EMAIL
    assert _who(db_with_boss, token, NOW + timedelta(hours=12)) is None
    assert _who(db_with_boss, "not-a-token", NOW) is None


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(
    db_with_boss: sessionmaker[Session],
) -> None:
    token, other = _start(db_with_boss), _start(db_with_boss)
    with transaction(db_with_boss) as s:
        sessions.end(s, token=token, now=NOW)
        sessions.end(s, token=token, now=NOW)  # twice is harmless
    assert _who(db_with_boss, token, NOW) is None
    assert _who(db_with_boss, other, NOW) == EMAIL


def test_a_password_change_ends_the_users_other_sessions(
    db_with_boss: sessionmaker[Session],
) -> None:
    # Given three sessions, when the password is changed from the first,
    # then the first goes on, the two others end, the new password works and it is audited.
    mine, laptop, phone = _start(db_with_boss), _start(db_with_boss), _start(db_with_boss)
    with transaction(db_with_boss) as s:
        boss = user_by_email(s, EMAIL)
        ended = change_password(
            s, user=boss, current=PASSWORD, new="a new long one", now=NOW, keep_session=mine
        )
    assert ended == 2
    assert [_who(db_with_boss, t, NOW) for t in (mine, laptop, phone)] == [EMAIL, None, None]
    with transaction(db_with_boss) as s:
        assert authenticate(s, email=EMAIL, password=PASSWORD) is None
        assert authenticate(s, email=EMAIL, password="a new long one") is not None
        [entry] = audit.entries_of(s, account_id=user_by_email(s, EMAIL).account_id)
    assert (entry.action, entry.details["sessions_ended"]) == ("user.password_changed", 2)
    assert audit.sentence(entry) == "Boss changed their password"


@pytest.mark.parametrize(
    ("current", "new", "field", "message"),
    [
        ("wrong password", "a new long one", "current_password", "current password is not right"),
        (PASSWORD, "short", "new_password", "at least 8 characters"),
        (PASSWORD, PASSWORD, "new_password", "the current one"),
        (PASSWORD, "x" * 1001, "new_password", "at most 1,000 characters"),
    ],
)
def test_a_refused_password_change_changes_nothing(
    db_with_boss: sessionmaker[Session], current: str, new: str, field: str, message: str
) -> None:
    token = _start(db_with_boss)
    _start(db_with_boss)
    before = snapshot(db_with_boss)
    with pytest.raises(ValidationFailed, match=message) as refused, transaction(db_with_boss) as s:
        change_password(s, user=user_by_email(s, EMAIL), current=current, new=new, now=NOW)
    assert refused.value.details["field"] == field
    assert snapshot(db_with_boss) == before
    assert _who(db_with_boss, token, NOW) == EMAIL


def test_the_operators_reset_ends_every_session(db_with_boss: sessionmaker[Session]) -> None:
    tokens = [_start(db_with_boss), _start(db_with_boss)]
    with transaction(db_with_boss) as s, audit.origin_scope("cli"):
        given = reset_password(s, user=user_by_email(s, EMAIL), now=NOW)
        chosen = reset_password(s, user=user_by_email(s, EMAIL), new="chosen by ops", now=NOW)
    assert len(given) >= 16 and chosen == "chosen by ops"
    assert [_who(db_with_boss, t, NOW) for t in tokens] == [None, None]
    with transaction(db_with_boss) as s:
        assert authenticate(s, email=EMAIL, password="chosen by ops") is not None
        entries = audit.entries_of(s, account_id=user_by_email(s, EMAIL).account_id)
    assert [audit.sentence(e) for e in entries] == [
        "The operator reset the password of Boss",
        "The operator reset the password of Boss",
    ]
