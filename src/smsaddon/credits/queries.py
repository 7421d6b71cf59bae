"""Reading the ledger: balances, period totals, and the invariants that must always hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from smsaddon import sql

_LIVE = "g.starts_at <= :now AND g.expires_at > :now"
_SHOWN = f"COALESCE(SUM(CASE WHEN {_LIVE} THEN g.remaining - g.held ELSE 0 END), 0)"
BALANCE = sql.Statement(f"""
    SELECT {_SHOWN}, COALESCE(SUM(g.held), 0)
    FROM credit_grants g WHERE g.account_id = :account_id AND g.remaining > 0
""")
GRANTED = sql.Statement("""
    SELECT source, SUM(amount) FROM credit_grants
    WHERE account_id = :account_id AND starts_at >= :start AND starts_at < :end
    GROUP BY source
""")
USED = sql.Statement("""
    SELECT COALESCE(SUM(credits), 0) FROM credit_entries
    WHERE account_id = :account_id AND kind = 'capture'
      AND created_at >= :start AND created_at < :end
""")


@dataclass(frozen=True, slots=True)
class Balance:
    available: int  # spendable now: unreserved credits in live buckets
    held: int  # reserved by open holds


@dataclass(frozen=True, slots=True)
class PeriodTotals:
    granted_by_source: dict[str, int]  # grants starting in the period, by source
    used: int  # credits captured in the period
    held: int  # now
    available: int  # now


def balance(session: sql.Db, *, account_id: int, now: datetime) -> Balance:
    row = sql.one(sql.connection(session), BALANCE, account_id=account_id, now=now)
    available, held = row if row is not None else (0, 0)
    return Balance(available=int(available), held=int(held))


def period_totals(
    session: sql.Db, *, account_id: int, start: datetime, end: datetime, now: datetime
) -> PeriodTotals:
    conn = sql.connection(session)
    granted = {
        str(source): int(total)
        for source, total in sql.rows(conn, GRANTED, account_id=account_id, start=start, end=end)
    }
    used = -int(sql.scalar(conn, USED, account_id=account_id, start=start, end=end))
    now_balance = balance(conn, account_id=account_id, now=now)
    return PeriodTotals(
        granted_by_source=granted, used=used, held=now_balance.held, available=now_balance.available
    )


# The invariants, each a query for the rows that break it (none: it holds). Entries move
# `remaining` (grant, capture, expire, adjust) or `held` (hold, capture, release).
_SUM = "COALESCE(SUM(CASE WHEN e.kind IN ({}) THEN e.credits ELSE 0 END), 0)"
_FROM_ENTRIES = _SUM.format("'grant', 'capture', 'expire', 'adjust'")
_HELD_BY_ENTRIES = _SUM.format("'hold', 'capture', 'release'")
_GRANTED = (
    "COALESCE(SUM(CASE WHEN e.kind = 'grant' OR (e.kind = 'adjust' AND e.credits > 0)"
    " THEN e.credits ELSE 0 END), 0)"
)
_PART = "SUM(CASE WHEN e.kind = '{}' THEN e.credits ELSE 0 END)"
CHECKS: list[tuple[str, sql.Statement]] = [
    (
        "bucket {} out of bounds: amount {}, remaining {}, held {}",
        sql.Statement("""
        SELECT id, amount, remaining, held FROM credit_grants
        WHERE held < 0 OR remaining < held OR remaining > amount
    """),
    ),
    (
        "bucket {}: amount/remaining/held {}/{}/{}, but its entries add up to {}/{}/{}",
        sql.Statement(f"""
        SELECT g.id, g.amount, g.remaining, g.held, {_GRANTED}, {_FROM_ENTRIES},
               {_HELD_BY_ENTRIES}
        FROM credit_grants g LEFT JOIN credit_entries e ON e.grant_id = g.id
        GROUP BY g.id, g.amount, g.remaining, g.held
        HAVING g.amount <> {_GRANTED} OR g.remaining <> {_FROM_ENTRIES}
            OR g.held <> {_HELD_BY_ENTRIES}
    """),
    ),
    (
        "bucket {}: held {}, but its open holds reserve {}",
        sql.Statement("""
        SELECT g.id, g.held, COALESCE(o.held, 0) FROM credit_grants g
        LEFT JOIN (
            SELECT e.grant_id, SUM(e.credits) AS held
            FROM credit_entries e JOIN credit_holds h ON h.id = e.hold_id
            WHERE h.state = 'open' AND e.kind = 'hold' GROUP BY e.grant_id
        ) o ON o.grant_id = g.id
        WHERE g.held <> COALESCE(o.held, 0)
    """),
    ),
    (
        "hold {}: {} credits, but its parts add up to {}",
        sql.Statement("""
        SELECT h.id, h.credits, COALESCE(p.credits, 0) FROM credit_holds h
        LEFT JOIN (
            SELECT hold_id, SUM(credits) AS credits FROM credit_entries
            WHERE kind = 'hold' GROUP BY hold_id
        ) p ON p.hold_id = h.id
        WHERE COALESCE(p.credits, 0) <> h.credits
    """),
    ),
    (
        "hold {} ({}, {}) in bucket {}: held {}, captured {}, released {}, written off {}",
        sql.Statement(f"""
        SELECT h.id, h.state, CASE WHEN h.ended_at IS NULL THEN 'not ended' ELSE 'ended' END,
               e.grant_id, {_PART.format("hold")},
               {_PART.format("capture")}, {_PART.format("release")}, {_PART.format("expire")}
        FROM credit_holds h JOIN credit_entries e ON e.hold_id = h.id
        GROUP BY h.id, h.state, h.ended_at, e.grant_id
        HAVING NOT (
            (h.state = 'open' AND h.ended_at IS NULL AND {_PART.format("capture")} = 0
             AND {_PART.format("release")} = 0 AND {_PART.format("expire")} = 0)
            OR (h.state = 'captured' AND h.ended_at IS NOT NULL
                AND {_PART.format("capture")} = -{_PART.format("hold")}
                AND {_PART.format("release")} = 0 AND {_PART.format("expire")} = 0)
            OR (h.state = 'released' AND h.ended_at IS NOT NULL
                AND {_PART.format("release")} = -{_PART.format("hold")}
                AND {_PART.format("capture")} = 0
                AND -{_PART.format("expire")} BETWEEN 0 AND {_PART.format("hold")})
        )
    """),
    ),
    (
        "entry {} ({}) of account {} names a bucket or hold it does not belong to",
        sql.Statement("""
        SELECT e.id, e.kind, e.account_id FROM credit_entries e
        JOIN credit_grants g ON g.id = e.grant_id
        LEFT JOIN credit_holds h ON h.id = e.hold_id
        WHERE e.account_id <> g.account_id OR e.account_id <> h.account_id
           OR (e.hold_id IS NOT NULL AND h.id IS NULL)
    """),
    ),
    (
        "entry {} ({}) belongs to no hold",
        sql.Statement("""
        SELECT id, kind FROM credit_entries
        WHERE hold_id IS NULL AND kind IN ('hold', 'capture', 'release')
    """),
    ),
]
# The balance as `balance` computes it, per account, against the entries of the live buckets.
BALANCES = sql.Statement(f"""
    SELECT g.account_id, {_SHOWN}, SUM(CASE WHEN {_LIVE} THEN x.remaining - x.held ELSE 0 END)
    FROM credit_grants g JOIN (
        SELECT e.grant_id, {_FROM_ENTRIES} AS remaining, {_HELD_BY_ENTRIES} AS held
        FROM credit_entries e GROUP BY e.grant_id
    ) x ON x.grant_id = g.id
    WHERE g.remaining > 0
    GROUP BY g.account_id
    HAVING {_SHOWN} <> SUM(CASE WHEN {_LIVE} THEN x.remaining - x.held ELSE 0 END)
        OR {_SHOWN} < 0
""")


def check_invariants(session: sql.Db, *, now: datetime) -> list[str]:
    """Every way the ledger disagrees with itself (empty: all is well)."""
    queries: list[tuple[sql.Statement, dict[str, object]]] = [(check, {}) for _, check in CHECKS]
    queries.append((BALANCES, {"now": now}))
    *found, balances = sql.rows_each(sql.connection(session), queries)
    problems = [
        message.format(*row)
        for (message, _), rows in zip(CHECKS, found, strict=True)
        for row in rows
    ]
    for account_id, shown, live in balances:
        problems.append(f"account {account_id}: {shown} available, its live entries say {live}")
    return problems
