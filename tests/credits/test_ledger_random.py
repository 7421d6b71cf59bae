"""A seeded random run of thousands of ledger operations, on SQLite and on PostgreSQL.

Grants, holds, spends, captures and releases (one by one and in batches), broadcasts,
expiries and adjustments on a few accounts, with a clock that moves. A quarter of the
operations crash part-way (an exception right after their n-th statement); the transaction
rolls back, nothing may have changed, and the operation is retried with the same key or ref.
After every step the database must agree with a plain in-memory model of the rules and
`check_invariants` must find nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import credits, sql
from smsaddon.credits import GrantSource, HoldState, allocation
from smsaddon.db import transaction
from smsaddon.errors import Conflict, DomainError, InsufficientCredits, NotFound
from tests.credits.test_credits import new_account

T0 = datetime(2026, 11, 1, tzinfo=UTC)
SEEDS = (20261101, 20261102, 20261103, 20261104)
STEPS = 500  # per seed
STATE = [
    sql.Statement(f"SELECT * FROM {table} ORDER BY id")
    for table in ("credit_grants", "credit_holds", "credit_adjustments")
] + [sql.Statement("SELECT COUNT(*), MAX(id), SUM(credits) FROM credit_entries")]
BUCKETS = sql.Statement("SELECT id, remaining, held FROM credit_grants")
HOLDS = sql.Statement("SELECT account_id, ref, state FROM credit_holds")


class Crash(Exception):
    """Injected in the middle of an operation."""


@dataclass
class Bucket:
    account: int
    starts: datetime
    expires: datetime
    remaining: int
    held: int = 0
    expired: bool = False  # seen by the expiry job


@dataclass
class Hold:
    id: int
    credits: int
    parts: list[tuple[int, int]]
    state: str = HoldState.OPEN


@dataclass
class Model:
    """The rules, kept plainly in memory; the database must always agree."""

    now: datetime = T0
    buckets: dict[int, Bucket] = field(default_factory=dict)
    holds: dict[tuple[int, str], Hold] = field(default_factory=dict)
    grant_keys: set[tuple[int, str]] = field(default_factory=set)
    adjustments: dict[tuple[int, str], int] = field(default_factory=dict)

    def live(self, account: int) -> list[allocation.Bucket]:
        return [
            allocation.Bucket(i, b.expires, b.remaining - b.held)
            for i, b in self.buckets.items()
            if b.account == account and b.starts <= self.now < b.expires
        ]

    def available(self, account: int) -> int:
        return sum(b.free for b in self.live(account))

    def held(self, account: int) -> int:
        return sum(b.held for b in self.buckets.values() if b.account == account)


@dataclass
class Run:
    sessions: sessionmaker[Session]
    rng: random.Random
    accounts: list[int]
    actor: int
    model: Model = field(default_factory=Model)
    crash_at: int | None = None  # the statement (1 = the first) after which Crash is raised
    statements: int = 0
    crashes: int = 0
    operations: int = 0  # ledger operations run, crashed ones included

    # -- plumbing ----------------------------------------------------------------------

    def attempt(self, op: Callable[[Session], Any]) -> Any:
        """Run op; maybe crash it part-way first, check nothing changed, and retry."""
        self.operations += 1
        if self.rng.random() < 0.25:
            before = self.state()
            self.crash_at, self.statements = self.rng.randint(1, 3), 0
            try:
                with transaction(self.sessions) as s:
                    result = op(s)
            except Crash:
                self.crash_at = None
                self.crashes += 1
                self.operations += 1
                assert self.state() == before
            except DomainError:
                self.crash_at = None
                assert self.state() == before
                raise
            else:
                return result
            finally:
                self.crash_at = None
        with transaction(self.sessions) as s:
            return op(s)

    def state(self) -> list[list[sql.Row]]:
        """Every mutable ledger row, and the append-only entries' count, last id and sum."""
        with transaction(self.sessions) as s:
            return sql.rows_each(sql.connection(s), [(q, {}) for q in STATE])

    def expect_refusal(self, error: type[DomainError], op: Callable[[Session], Any]) -> None:
        with pytest.raises(error):
            self.attempt(op)

    def expect_short(self, op: Callable[[Session], Any], needed: int, available: int) -> None:
        with pytest.raises(InsufficientCredits) as refused:
            self.attempt(op)
        assert refused.value.details == {"needed": needed, "available": available}

    # -- operations ----------------------------------------------------------------------

    def grant(self, account: int) -> None:
        m, rng = self.model, self.rng
        key = f"g{rng.randint(0, 60)}"
        amount = rng.randint(1, 60)
        starts = m.now + timedelta(hours=rng.choice([-48, -1, 0, 5]))
        expires = m.now + timedelta(hours=rng.randint(6, 240))
        made = self.attempt(
            lambda s: credits.grant(
                s,
                account_id=account,
                credits=amount,
                source=GrantSource.BUNDLE,
                starts_at=starts,
                expires_at=expires,
                key=key,
                now=m.now,
            )
        )
        if (account, key) in m.grant_keys:
            assert made is None
            return
        m.grant_keys.add((account, key))
        m.buckets[made.id] = Bucket(account, starts, expires, amount)

    def reserve(self, account: int, *, spend: bool) -> None:
        m, rng = self.model, self.rng
        ref, amount = f"m{rng.randint(0, 400)}", rng.randint(1, 25)
        call = credits.spend if spend else credits.hold
        op = lambda s: call(s, account_id=account, credits=amount, ref=ref, now=m.now)  # noqa: E731
        existing = m.holds.get((account, ref))
        if existing is not None:
            if existing.credits != amount:
                return self.expect_refusal(Conflict, op)
            result = self.attempt(op)
            assert result.id == existing.id
            if spend and existing.state == HoldState.OPEN:
                self._end(existing, HoldState.CAPTURED)
            assert result.state == existing.state
            return None
        try:
            parts = allocation.allocate(m.live(account), amount)
        except allocation.Shortfall as short:
            return self.expect_short(op, short.needed, short.available)
        result = self.attempt(op)
        hold = Hold(result.id, amount, [(p.bucket_id, p.credits) for p in parts])
        for bucket_id, part in hold.parts:
            m.buckets[bucket_id].held += part
        m.holds[(account, ref)] = hold
        if spend:
            self._end(hold, HoldState.CAPTURED)
        assert result.state == hold.state
        return None

    def end(self, account: int) -> None:
        m, rng = self.model, self.rng
        ref = f"m{rng.randint(0, 400)}"
        state = rng.choice([HoldState.CAPTURED, HoldState.RELEASED])
        call = credits.capture if state == HoldState.CAPTURED else credits.release
        op = lambda s: call(s, account_id=account, ref=ref, now=m.now)  # noqa: E731
        hold = m.holds.get((account, ref))
        if hold is None:
            return self.expect_refusal(NotFound, op)
        result = self.attempt(op)
        if hold.state == HoldState.OPEN:
            self._end(hold, state)
        assert (result.id, result.state) == (hold.id, hold.state)
        return None

    def end_batch(self) -> None:
        m, rng = self.model, self.rng
        batch = [
            (rng.choice(self.accounts), f"m{rng.randint(0, 400)}") for _ in range(rng.randint(1, 8))
        ]
        state = rng.choice([HoldState.CAPTURED, HoldState.RELEASED])
        call = credits.capture_many if state == HoldState.CAPTURED else credits.release_many
        ended = self.attempt(lambda s: call(s, holds=batch, now=m.now))
        expected = 0
        for key in dict.fromkeys(batch):
            hold = m.holds.get(key)
            if hold is not None and hold.state == HoldState.OPEN:
                self._end(hold, state)
                expected += 1
        assert ended == expected

    def _end(self, hold: Hold, state: str) -> None:
        for bucket_id, part in hold.parts:
            bucket = self.model.buckets[bucket_id]
            bucket.held -= part
            if state == HoldState.CAPTURED or self.model.now >= bucket.expires:
                bucket.remaining -= part
        hold.state = state

    def broadcast(self, account: int) -> None:
        m, rng = self.model, self.rng
        holds = [(f"m{r}", rng.randint(1, 6)) for r in rng.sample(range(400), rng.randint(2, 6))]
        op = lambda s: credits.hold_many(s, account_id=account, holds=holds, now=m.now)  # noqa: E731
        new = [(ref, c) for ref, c in holds if (account, ref) not in m.holds]
        available = m.available(account)
        needed = sum(c for _, c in new)
        if needed > available:
            return self.expect_short(op, needed, available)
        if any(
            m.holds[(account, ref)].credits != c for ref, c in holds if (account, ref) in m.holds
        ):
            return self.expect_refusal(Conflict, op)
        ids = self.attempt(op)
        parts = allocation.allocate_many(m.live(account), [c for _, c in new]) if new else []
        for (ref, amount), hold_parts in zip(new, parts, strict=True):
            hold = Hold(
                ids[[r for r, _ in holds].index(ref)],
                amount,
                [(p.bucket_id, p.credits) for p in hold_parts],
            )
            for bucket_id, part in hold.parts:
                m.buckets[bucket_id].held += part
            m.holds[(account, ref)] = hold
        assert ids == [m.holds[(account, ref)].id for ref, _ in holds]
        return None

    def expire(self) -> None:
        m = self.model
        expired = self.attempt(lambda s: credits.expire_due(s, now=m.now))
        expected = 0
        for bucket in m.buckets.values():
            if not bucket.expired and bucket.expires <= m.now:
                expected += bucket.remaining - bucket.held
                bucket.remaining, bucket.expired = bucket.held, True
        assert expired == expected

    def adjust(self, account: int) -> None:
        m, rng = self.model, self.rng
        key, amount = f"a{rng.randint(0, 40)}", rng.choice([-1, 1]) * rng.randint(1, 30)
        expires = m.now + timedelta(hours=rng.randint(1, 200))
        op = lambda s: credits.adjust(  # noqa: E731
            s,
            account_id=account,
            credits=amount,
            reason="random run",
            actor_user_id=self.actor,
            now=m.now,
            key=key,
            expires_at=expires,
        )
        if (account, key) in m.adjustments:
            if m.adjustments[(account, key)] != amount:
                return self.expect_refusal(Conflict, op)
            self.attempt(op)
            return None
        if amount > 0:
            made = self.attempt(op)
            m.buckets[made[0].grant_id] = Bucket(account, m.now, expires, amount)
        else:
            try:
                parts = allocation.allocate(m.live(account), -amount)
            except allocation.Shortfall as short:
                return self.expect_short(op, short.needed, short.available)
            made = self.attempt(op)
            assert [(e.grant_id, -e.credits) for e in made] == [
                (p.bucket_id, p.credits) for p in parts
            ]
            for part in parts:
                m.buckets[part.bucket_id].remaining -= part.credits
        m.adjustments[(account, key)] = amount
        return None

    # -- the run -------------------------------------------------------------------------

    def step(self) -> None:
        rng, m = self.rng, self.model
        account = rng.choice(self.accounts)
        roll = rng.random()
        if roll < 0.12:
            self.grant(account)
        elif roll < 0.34:
            self.reserve(account, spend=False)
        elif roll < 0.46:
            self.reserve(account, spend=True)
        elif roll < 0.63:
            self.end(account)
        elif roll < 0.70:
            self.end_batch()
        elif roll < 0.78:
            self.broadcast(account)
        elif roll < 0.84:
            self.expire()
        elif roll < 0.92:
            self.adjust(account)
        else:
            m.now += timedelta(hours=rng.randint(1, 30))

    def agree(self) -> None:
        m = self.model
        with transaction(self.sessions) as s:
            assert credits.check_invariants(s, now=m.now) == []
            rows, holds = sql.rows_each(sql.connection(s), [(BUCKETS, {}), (HOLDS, {})])
            assert {r[0]: (r[1], r[2]) for r in rows} == {
                i: (b.remaining, b.held) for i, b in m.buckets.items()
            }
            assert {(r[0], r[1]): r[2] for r in holds} == {k: h.state for k, h in m.holds.items()}
            for account in self.accounts:
                shown = credits.balance(s, account_id=account, now=m.now)
                assert (shown.available, shown.held) == (m.available(account), m.held(account))


LEDGER_TABLES = ("credit_entries", "credit_holds", "credit_adjustments", "credit_grants")


@pytest.mark.slow
def test_a_long_random_run_keeps_the_ledger_consistent(
    db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four seeded runs, each from an empty ledger (every check reads the whole ledger, so
    four short ledgers are checked much faster than one long one)."""
    accounts = [new_account(db, name) for name in ("Alpha", "Beta", "Gamma")]
    runs: list[Run] = []
    real_execute = sql.execute

    def execute(*args: Any, **kwargs: Any) -> Any:
        """The real statement, then a crash if this is the one chosen to be the last."""
        result = real_execute(*args, **kwargs)
        run = runs[-1]
        run.statements += 1
        if run.crash_at is not None and run.statements >= run.crash_at:
            raise Crash(f"crash after statement {run.statements}")
        return result

    monkeypatch.setattr(sql, "execute", execute)
    for seed in SEEDS:
        with transaction(db) as s:
            for table in LEDGER_TABLES:
                s.execute(text(f"DELETE FROM {table}"))
        run = Run(db, random.Random(seed), [a for a, _ in accounts], accounts[0][1])
        runs.append(run)
        for number in range(STEPS):
            try:
                run.step()
            except AssertionError as failure:
                raise AssertionError(f"seed {seed}, step {number}: {failure}") from failure
            run.agree()
        kinds = {h.state for h in run.model.holds.values()}
        assert kinds == {HoldState.OPEN, HoldState.CAPTURED, HoldState.RELEASED}
        assert any(b.expired for b in run.model.buckets.values())

    assert sum(r.crashes for r in runs) > 100
    assert sum(r.operations for r in runs) > 2000
