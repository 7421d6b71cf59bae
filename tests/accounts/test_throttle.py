"""Sign-in throttling in the database (M1): counted before the password, atomic, shared."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from smsaddon.accounts import throttle
from smsaddon.db import transaction

NOW = datetime(2026, 11, 10, tzinfo=UTC)


def attempt(
    db: sessionmaker[Session], email: str, address: str = "198.51.100.1", at: datetime = NOW
) -> datetime | None:
    with transaction(db) as s:
        return throttle.count_attempt(s, email=email, address=address, now=at)


def concurrently(db: sessionmaker[Session], calls: list[tuple[str, str]]) -> list[bool]:
    """Each (email, address) attempt in its own thread, all released at once; which went on."""
    start = threading.Barrier(len(calls))

    def one(call: tuple[str, str]) -> bool:
        start.wait()
        return attempt(db, *call) is None

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def test_thirty_attempts_at_once_on_one_account_let_five_through(
    db: sessionmaker[Session],
) -> None:
    # Given 30 attempts on one email from 30 addresses, sent at the same time,
    # then exactly the 5 free ones go on to a password check, and the next must wait.
    went_on = concurrently(db, [("victim@demo.test", f"203.0.113.{n}") for n in range(30)])
    assert went_on.count(True) == 5
    assert attempt(db, "victim@demo.test", "192.0.2.1") == NOW + timedelta(seconds=15)


def test_thirty_attempts_at_once_from_one_address_let_twenty_through(
    db: sessionmaker[Session],
) -> None:
    went_on = concurrently(db, [(f"guess{n}@demo.test", "203.0.113.9") for n in range(30)])
    assert went_on.count(True) == 20
    assert attempt(db, "someone@demo.test", "203.0.113.9") is not None
    assert attempt(db, "someone@demo.test", "203.0.113.10") is None


def test_each_attempt_doubles_the_wait_up_to_a_cap(db: sessionmaker[Session]) -> None:
    # Given an attacker who tries again as soon as allowed, from new addresses,
    # then the waits double from 15 seconds and never pass 15 minutes: the real owner
    # waits at most 15 minutes after the attacker's last attempt.
    at, waits = NOW, []
    for n in range(25):
        until = attempt(db, "victim@demo.test", f"203.0.113.{n}", at)
        if until is not None:
            waits.append(int((until - at).total_seconds()))
            at = until
    assert waits == [15, 30, 60, 120, 240, 480, 900, 900, 900, 900]
    last = at  # the attacker's last attempt; the owner waits 15 minutes at most
    assert attempt(db, "victim@demo.test", "192.0.2.1", last + timedelta(minutes=15)) is None


def test_a_right_password_starts_the_count_again_and_a_quiet_day_forgets_it(
    db: sessionmaker[Session],
) -> None:
    for _ in range(4):
        assert attempt(db, "owner@demo.test") is None
    with transaction(db) as s:
        throttle.succeeded(s, email="Owner@Demo.test")
    for _ in range(4):
        assert attempt(db, "owner@demo.test", "192.0.2.7") is None
    assert attempt(db, "owner@demo.test", "192.0.2.7") is None  # the 5th, then a wait
    assert attempt(db, "owner@demo.test", "192.0.2.7") is not None
    next_day = NOW + timedelta(days=1, seconds=1)
    for _ in range(5):
        assert attempt(db, "owner@demo.test", "192.0.2.8", next_day) is None
