"""The ledger under concurrency: real threads, each with its own connection and transactions.

PostgreSQL (row locks, READ COMMITTED) is where this matters; SQLite serializes writers and
gets the main spender test too.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import credits, models
from smsaddon.credits import CreditEntry, CreditGrant, HoldState
from smsaddon.db import make_engine, session_factory, transaction
from smsaddon.errors import InsufficientCredits
from tests.credits.test_credits import NOW, balance, give, later, new_account
from tests.fixtures.database import empty_all_tables

Sessions = sessionmaker[Session]


@pytest.fixture
def pg(pg_engine: Engine) -> Sessions:
    empty_all_tables(pg_engine)
    return session_factory(pg_engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sessions]:
    if request.param == "postgresql":
        yield request.getfixturevalue("pg")
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'concurrency.db'}")
    models.Base.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


def together(count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(0..count-1) in `count` threads released at the same instant; results or
    the exceptions raised."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # collected and checked by the test
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def healthy(sessions: Sessions, now: object = NOW) -> None:
    with transaction(sessions) as s:
        assert credits.check_invariants(s, now=now) == []  # type: ignore[arg-type]


@pytest.mark.slow
def test_32_spenders_on_one_account_spend_exactly_what_it_has(both: Sessions) -> None:
    account_id, _ = new_account(both)
    give(both, account_id, 1000)

    def spender(thread: int) -> Counter[str]:
        outcome: Counter[str] = Counter()
        for attempt in range(50):
            try:
                with transaction(both) as s:
                    credits.spend(
                        s, account_id=account_id, credits=1, ref=f"t{thread}-{attempt}", now=NOW
                    )
                outcome["spent"] += 1
            except InsufficientCredits:
                outcome["refused"] += 1
        return outcome

    results = together(32, spender)

    assert [r for r in results if not isinstance(r, Counter)] == []
    total = sum((r for r in results if isinstance(r, Counter)), Counter())
    assert total == Counter(spent=1000, refused=600)
    assert balance(both, account_id) == (0, 0)
    with transaction(both) as s:
        assert s.scalar(select(func.count()).where(CreditEntry.kind == "capture")) == 1000
    healthy(both)


@pytest.mark.slow
@pytest.mark.postgres
def test_mixed_concurrent_holds_captures_releases_and_splits_never_overdraw(pg: Sessions) -> None:
    account_id, user_id = new_account(pg)
    buckets = [
        give(pg, account_id, 300, expires=5, key="a"),
        give(pg, account_id, 300, expires=10, key="b"),
        give(pg, account_id, 400, expires=20, key="c"),
    ]

    def worker(thread: int) -> Counter[str]:
        rng = random.Random(thread)
        outcome: Counter[str] = Counter()
        for attempt in range(40):
            ref, cost = f"t{thread}-{attempt}", rng.randint(1, 7)
            try:
                with transaction(pg) as s:
                    credits.hold(s, account_id=account_id, credits=cost, ref=ref, now=NOW)
                with transaction(pg) as s:
                    end = credits.capture if rng.random() < 0.7 else credits.release
                    ended = end(s, account_id=account_id, ref=ref, now=NOW)
                if ended.state == HoldState.CAPTURED:
                    outcome["captured"] += cost
            except InsufficientCredits:
                outcome["refused"] += 1
        if thread == 0:
            with transaction(pg) as s:
                credits.adjust(
                    s,
                    account_id=account_id,
                    credits=3,
                    reason="goodwill",
                    actor_user_id=user_id,
                    now=NOW,
                    key="gw",
                    expires_at=later(30),
                )
            outcome["captured"] -= 3
        return outcome

    results = together(16, worker)

    assert [r for r in results if not isinstance(r, Counter)] == []
    captured = sum(r["captured"] for r in results if isinstance(r, Counter))
    available, held = balance(pg, account_id)
    assert (available, held) == (1000 - captured, 0)
    with transaction(pg) as s:
        assert all(s.get_one(CreditGrant, b).remaining >= 0 for b in buckets)
    healthy(pg)


@pytest.mark.postgres
def test_concurrent_holds_of_one_ref_hold_once(pg: Sessions) -> None:
    account_id, _ = new_account(pg)
    give(pg, account_id, 100)

    def hold(_: int) -> int:
        with transaction(pg) as s:
            return credits.hold(s, account_id=account_id, credits=7, ref="m1", now=NOW).id

    results = together(16, hold)

    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert balance(pg, account_id) == (93, 7)
    healthy(pg)


@pytest.mark.postgres
def test_concurrent_captures_and_releases_of_one_hold_end_it_once(pg: Sessions) -> None:
    account_id, _ = new_account(pg)
    give(pg, account_id, 100)
    with transaction(pg) as s:
        credits.hold(s, account_id=account_id, credits=7, ref="m1", now=NOW)

    def end(thread: int) -> str:
        with transaction(pg) as s:
            end = credits.capture if thread % 2 else credits.release
            return end(s, account_id=account_id, ref="m1", now=NOW).state

    results = together(16, end)

    assert len(set(results)) == 1
    assert balance(pg, account_id) == ((93, 0) if results[0] == "captured" else (100, 0))
    with transaction(pg) as s:
        assert (
            s.scalar(select(func.count()).where(CreditEntry.kind.in_(["capture", "release"]))) == 1
        )
    healthy(pg)


@pytest.mark.postgres
def test_concurrent_grants_with_one_key_grant_once(pg: Sessions) -> None:
    account_id, _ = new_account(pg)

    def grant(_: int) -> bool:
        with transaction(pg) as s:
            return (
                credits.grant(
                    s,
                    account_id=account_id,
                    credits=500,
                    source=credits.GrantSource.ADDON,
                    starts_at=NOW,
                    expires_at=later(30),
                    key="addon:1",
                    now=NOW,
                )
                is not None
            )

    results = together(16, grant)

    assert sorted(results, key=str) == [False] * 15 + [True]
    assert balance(pg, account_id) == (500, 0)
    healthy(pg)


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_broadcasts_are_each_all_or_nothing(pg: Sessions) -> None:
    account_id, _ = new_account(pg)
    give(pg, account_id, 1000)

    def broadcast(thread: int) -> int:
        holds = [(f"b{thread}-{i}", 1 + i % 3) for i in range(150)]  # 300 credits
        with transaction(pg) as s:
            return len(credits.hold_many(s, account_id=account_id, holds=holds, now=NOW))

    results = together(6, broadcast)

    assert sorted(results, key=str).count(150) == 3
    assert sum(isinstance(r, InsufficientCredits) for r in results) == 3
    assert balance(pg, account_id) == (100, 900)
    healthy(pg)


@pytest.mark.postgres
def test_concurrent_expiry_runs_expire_once(pg: Sessions) -> None:
    account_id, _ = new_account(pg)
    give(pg, account_id, 100, expires=5)
    with transaction(pg) as s:
        credits.hold(s, account_id=account_id, credits=10, ref="m1", now=NOW)

    def expire(thread: int) -> int:
        with transaction(pg) as s:
            if thread == 0:
                credits.release(s, account_id=account_id, ref="m1", now=later(6))
                return 0
            return credits.expire_due(s, now=later(6))

    results = together(8, expire)

    assert [r for r in results if not isinstance(r, int)] == []
    assert sum(r for r in results if isinstance(r, int)) in (90, 100)
    assert balance(pg, account_id, later(6)) == (0, 0)
    with transaction(pg) as s:
        assert s.scalar(select(func.sum(CreditGrant.remaining))) == 0
    healthy(pg, later(6))
