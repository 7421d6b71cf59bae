"""Credit spends per second on one hot account, each spend its own transaction.

`credits.spend` (one conditional write: three statements on SQLite, one on PostgreSQL)
against a naive read-modify-write spend measured in the same run on the same database: read
the buckets, pick one and compute its new balance in Python, write it back, then the same
hold row and entries. Each thread holds one connection and runs one transaction per spend.
SQLite: 1 connection and 4 threads; PostgreSQL: 1, 4 and 32 connections. A spend that races
in the naive version loses an update; the count of lost updates is shown beside it, with
the rate of a bare `UPDATE` + `COMMIT` on the same row (no hold, no entries): the most any
spend that commits durably can reach on this machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select

from benchmarks.common import Row
from benchmarks.databases import postgres_available, postgres_engine, sqlite_engine
from smsaddon import credits, sql
from smsaddon.accounts.models import Account
from smsaddon.credits import CreditGrant, GrantSource
from smsaddon.errors import InsufficientCredits

SECONDS = 2.0  # per measurement
NOW = datetime(2026, 11, 10, 12, tzinfo=UTC)
PLENTY = 1_000_000_000
Spend = Callable[[Connection, int, str], object]

NAIVE_READ = sql.Statement("""
    SELECT id, remaining, held FROM credit_grants
    WHERE account_id = :account_id AND starts_at <= :now AND expires_at > :now
    ORDER BY expires_at, id
""")
NAIVE_WRITE = sql.Statement("UPDATE credit_grants SET remaining = :remaining WHERE id = :id")
NAIVE_HOLD = sql.Statement("""
    INSERT INTO credit_holds (account_id, ref, credits, state, created_at, ended_at)
    VALUES (:account_id, :ref, 1, 'captured', :now, :now) RETURNING id
""")
NAIVE_ENTRIES = sql.Statement("""
    INSERT INTO credit_entries (account_id, grant_id, hold_id, kind, credits, created_at)
    VALUES (:account_id, :grant_id, :hold_id, 'hold', 1, :now),
           (:account_id, :grant_id, :hold_id, 'capture', -1, :now)
""")


def ledger_spend(conn: Connection, account_id: int, ref: str) -> object:
    return credits.spend(conn, account_id=account_id, credits=1, ref=ref, now=NOW)


def naive_spend(conn: Connection, account_id: int, ref: str) -> object:
    """Read the balance into Python, decide, write it back: racy under concurrency."""
    for grant_id, remaining, held in sql.rows(conn, NAIVE_READ, account_id=account_id, now=NOW):
        if remaining - held >= 1:
            sql.write(conn, NAIVE_WRITE, id=grant_id, remaining=remaining - 1)
            hold_id = sql.scalar(conn, NAIVE_HOLD, account_id=account_id, ref=ref, now=NOW)
            sql.write(
                conn,
                NAIVE_ENTRIES,
                account_id=account_id,
                grant_id=grant_id,
                hold_id=hold_id,
                now=NOW,
            )
            return hold_id
    raise InsufficientCredits("not enough credits", needed=1, available=0)


BARE_UPDATE = sql.Statement("""
    UPDATE credit_grants SET remaining = remaining - 1
    WHERE account_id = :account_id AND key = 'hot'
""")


def bare_update(conn: Connection, account_id: int, ref: str) -> object:
    """The floor: one write and a commit, no hold, no entries (not a usable spend)."""
    return sql.write(conn, BARE_UPDATE, account_id=account_id)


def new_hot_account(engine: Engine, name: str) -> int:
    with engine.begin() as conn:
        account_id = conn.execute(
            insert(Account).values(name=name, created_at=NOW).returning(Account.id)
        ).scalar_one()
        credits.grant(
            conn,
            account_id=account_id,
            credits=PLENTY,
            source=GrantSource.ADDON,
            starts_at=NOW - timedelta(days=1),
            expires_at=NOW + timedelta(days=30),
            key="hot",
            now=NOW,
        )
    return int(account_id)


def measure(
    engine: Engine, spend: Spend, account_id: int, threads: int, prefix: str = ""
) -> tuple[float, int]:
    """(spends per second over SECONDS, spends done) with `threads` connections at once.

    SQLite threads queue for its single writer on a lock, as `db.transaction` has them do,
    rather than sleeping in SQLite's busy handler."""
    done = [0] * threads
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()
    writer = threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()

    def worker(number: int) -> None:
        try:
            with engine.connect() as conn:
                barrier.wait()
                while not stop.is_set():
                    with writer, conn.begin():
                        spend(conn, account_id, f"{prefix}{number}-{done[number]}")
                    done[number] += 1
        except BaseException as exc:  # reported after the run
            errors.append(exc)
            stop.set()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"a spender failed: {errors[0]!r}") from errors[0]
    return sum(done) / elapsed, sum(done)


def consumed(engine: Engine, account_id: int) -> int:
    with engine.connect() as conn:
        remaining = conn.execute(
            select(CreditGrant.remaining).where(CreditGrant.account_id == account_id)
        ).scalar_one()
    return PLENTY - remaining


def rows_for(
    open_engine: Callable[[], AbstractContextManager[Engine]],
    label: str,
    connections: list[int],
    target: float,
) -> Iterator[Row]:
    for threads in connections:
        with open_engine() as engine:
            hot = new_hot_account(engine, "Hot")
            rate, spends = measure(engine, ledger_spend, hot, threads)
            if consumed(engine, hot) != spends:
                raise RuntimeError(
                    f"the ledger lost spends: {spends} made, {consumed(engine, hot)} consumed"
                )
            with engine.begin() as conn:
                problems = credits.check_invariants(conn, now=NOW)
            if problems:
                raise RuntimeError(f"ledger invariants broken: {problems[:3]}")
            naive = new_hot_account(engine, "Naive")
            naive_rate, naive_spends = measure(engine, naive_spend, naive, threads)
            lost = naive_spends - consumed(engine, naive)
            floor = measure(engine, bare_update, new_hot_account(engine, "Floor"), threads)[0]
        plural = "connection" if threads == 1 else "connections"
        lost_note = f", {lost:,} lost updates" if lost else ""
        yield Row(
            f"spends/s, one hot account, {label}, {threads} {plural}",
            rate,
            "spends/s",
            f"naive read-modify-write{lost_note} (bare UPDATE+COMMIT: {floor:,.0f}/s)",
            naive_rate,
            f">= {target:,.0f}/s",
            rate >= target,
        )


def run() -> list[Row]:
    rows = list(rows_for(sqlite_engine, "SQLite", [1, 4], 10_000))
    if postgres_available():
        rows += rows_for(postgres_engine, "PostgreSQL", [1, 4, 32], 2_000)
    return rows


__all__ = ["run"]
