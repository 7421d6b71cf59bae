"""Holds: reserve credits for a message, then capture them (sent) or release them (failed).

Every operation applies at most once. A hold is keyed by the caller's `ref` (unique per
account): the same ref again returns the first hold. Capture and release end an open hold with
one conditional update (`... AND state = 'open'`), so a second call changes nothing and
returns the hold as it ended.

The hot path is one conditional write: the soonest-expiring live bucket with free credits
takes the whole cost if it can (`... AND remaining - held >= :credits`). Otherwise the slow
path locks the account's live buckets in spending order and splits the cost across them, or
refuses with InsufficientCredits, leaving nothing changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from smsaddon import sql
from smsaddon.credits import allocation
from smsaddon.credits.common import (
    detached,
    expect_changed,
    insufficient,
    key,
    live_buckets,
    positive,
)
from smsaddon.credits.models import CreditHold, HoldState
from smsaddon.errors import Conflict, NotFound, ValidationFailed

_SOONEST = """
    SELECT id, expires_at FROM credit_grants
    WHERE account_id = :account_id AND starts_at <= :now AND expires_at > :now
      AND remaining > held
    ORDER BY expires_at, id LIMIT 1
"""
_TAKE = f"""
    UPDATE credit_grants SET {{change}}
    WHERE id = (SELECT id FROM ({_SOONEST}) AS c) AND remaining - held >= :credits
"""
_INSERT_HOLD = """
    INSERT INTO credit_holds (account_id, ref, credits, state, created_at, ended_at)
    VALUES (:account_id, :ref, :credits, :state, :now, :ended_at)
    ON CONFLICT (account_id, ref) DO NOTHING
    RETURNING id
"""
_HOLD = "held = held + :credits"
_SPEND = "remaining = remaining - :credits"
# SQLite: three statements (the hold row, the conditional write, its entries).
INSERT_HOLD = sql.Statement(_INSERT_HOLD)
HOLD_HOT = sql.Statement(_TAKE.format(change=_HOLD) + " RETURNING id")
SPEND_HOT = sql.Statement(_TAKE.format(change=_SPEND) + " RETURNING id")
HOLD_ENTRY = sql.Statement("""
    INSERT INTO credit_entries (account_id, grant_id, hold_id, kind, credits, created_at)
    VALUES (:account_id, :grant_id, :hold_id, 'hold', :credits, :now)
""")
SPEND_ENTRIES = sql.Statement("""
    INSERT INTO credit_entries (account_id, grant_id, hold_id, kind, credits, created_at)
    VALUES (:account_id, :grant_id, :hold_id, 'hold', :credits, :now),
           (:account_id, :grant_id, :hold_id, 'capture', -:credits, :now)
""")
# PostgreSQL: the same as one statement, one round trip (the bucket's row lock is then held
# only until commit). Gives the hold id (NULL: the ref was held before), the bucket that paid
# (NULL: none covers the cost alone) and the bucket tried, with its expiry.
_ONE_STATEMENT = f"""
    WITH c AS ({_SOONEST}),
    h AS ({_INSERT_HOLD}),
    g AS (
        UPDATE credit_grants SET {{change}}
        WHERE id = (SELECT id FROM c) AND remaining - held >= :credits
          AND EXISTS (SELECT 1 FROM h)
        RETURNING id
    ),
    e AS (
        INSERT INTO credit_entries (account_id, grant_id, hold_id, kind, credits, created_at)
        SELECT :account_id, g.id, h.id, k.kind, k.credits, :now
        FROM g, h, (VALUES {{kinds}}) AS k (kind, credits)
    )
    SELECT (SELECT id FROM h), (SELECT id FROM g), (SELECT id FROM c),
           (SELECT expires_at FROM c)
"""
HOLD_ONE = sql.Statement(_ONE_STATEMENT.format(change=_HOLD, kinds="('hold', :credits)"))
SPEND_ONE = sql.Statement(
    _ONE_STATEMENT.format(change=_SPEND, kinds="('hold', :credits), ('capture', -:credits)")
)
# The slow path: one conditional write per bucket, under the lock of LIVE_BUCKETS.
_PART = "UPDATE credit_grants SET {} WHERE id = :id AND remaining - held >= :credits"
HOLD_PART = sql.Statement(_PART.format(_HOLD))
SPEND_PART = sql.Statement(_PART.format(_SPEND))
EXISTING = """
    SELECT ref, id, credits FROM credit_holds WHERE account_id = :account_id AND ref IN :keys
"""
DELETE_HOLD = sql.Statement("DELETE FROM credit_holds WHERE id = :id")
GET_HOLD = sql.Statement("""
    SELECT id, account_id, ref, credits, state, created_at, ended_at FROM credit_holds
    WHERE account_id = :account_id AND ref = :ref
""")
END_HOLD = sql.Statement("""
    UPDATE credit_holds SET state = :state, ended_at = :now
    WHERE account_id = :account_id AND ref = :ref AND state = 'open'
    RETURNING id, credits, created_at
""")
HOLD_PARTS = sql.Statement("""
    SELECT e.grant_id, e.credits, g.expires_at
    FROM credit_entries e JOIN credit_grants g ON g.id = e.grant_id
    WHERE e.hold_id = :hold_id AND e.kind = 'hold'
    ORDER BY g.expires_at, g.id
""")
CAPTURE_PART = sql.Statement("""
    UPDATE credit_grants SET remaining = remaining - :credits, held = held - :credits
    WHERE id = :id
""")
RELEASE_PART = sql.Statement("""
    UPDATE credit_grants SET held = held - :credits, remaining = remaining - :written_off
    WHERE id = :id
""")
ENTRY_COLUMNS = ("account_id", "grant_id", "hold_id", "kind", "credits", "created_at")
# Many holds ended at once (a worker's batch), by (account, ref).
END_MANY_PG = sql.Statement("""
    UPDATE credit_holds h SET state = :state, ended_at = :now
    FROM unnest(CAST(:accounts AS INTEGER[]), CAST(:refs AS VARCHAR[])) AS k (account_id, ref)
    WHERE h.account_id = k.account_id AND h.ref = k.ref AND h.state = 'open'
    RETURNING h.id, h.account_id
""")
END_MANY_SQLITE = """
    UPDATE credit_holds SET state = :state, ended_at = :now
    WHERE state = 'open' AND (account_id, ref) IN (VALUES {pairs})
    RETURNING id, account_id
"""
PARTS_OF = """
    SELECT e.hold_id, e.grant_id, e.credits, g.expires_at
    FROM credit_entries e JOIN credit_grants g ON g.id = e.grant_id
    WHERE e.kind = 'hold' AND e.hold_id IN :keys
"""
END_PARTS = sql.Statement("""
    UPDATE credit_grants SET remaining = remaining - :consumed, held = held - :held
    WHERE id = :id
""")


def hold(session: sql.Db, *, account_id: int, credits: int, ref: str, now: datetime) -> CreditHold:
    """Reserve `credits` for `ref`; the existing hold if `ref` was held before."""
    return _reserve(
        sql.connection(session), account_id, positive(credits), key(ref, "ref"), now, spend=False
    )


def spend(session: sql.Db, *, account_id: int, credits: int, ref: str, now: datetime) -> CreditHold:
    """Hold and capture in one go: the credits are consumed now."""
    return _reserve(
        sql.connection(session), account_id, positive(credits), key(ref, "ref"), now, spend=True
    )


def capture(session: sql.Db, *, account_id: int, ref: str, now: datetime) -> CreditHold:
    """Consume an open hold's credits (the gateway took the message)."""
    return _end(sql.connection(session), account_id, ref, now, HoldState.CAPTURED)


def release(session: sql.Db, *, account_id: int, ref: str, now: datetime) -> CreditHold:
    """Give an open hold's credits back; those whose bucket expired meanwhile are written off."""
    return _end(sql.connection(session), account_id, ref, now, HoldState.RELEASED)


def capture_many(session: sql.Db, *, holds: Sequence[tuple[int, str]], now: datetime) -> int:
    """Capture every open hold of `holds`, given as (account id, ref), in a few statements;
    holds ended before (or unknown) are left as they are. The number captured now."""
    return _end_many(sql.connection(session), holds, now, HoldState.CAPTURED)


def release_many(session: sql.Db, *, holds: Sequence[tuple[int, str]], now: datetime) -> int:
    """Release every open hold of `holds`, as `release` does each; the number released now."""
    return _end_many(sql.connection(session), holds, now, HoldState.RELEASED)


def get_hold(session: sql.Db, *, account_id: int, ref: str) -> CreditHold:
    conn = sql.connection(session)
    row = sql.one(conn, GET_HOLD, account_id=account_id, ref=ref)
    if row is None:
        raise NotFound(f"there is no credit hold {ref!r}", ref=ref)
    return _snapshot(conn, row)


def hold_many(
    session: sql.Db, *, account_id: int, holds: Sequence[tuple[str, int]], now: datetime
) -> list[int]:
    """Reserve credits for many refs at once (a broadcast), all or nothing.

    Refs held before are kept as they are (a retried broadcast holds nothing twice). If the
    account cannot cover the new holds, nothing is held and InsufficientCredits gives the
    credits needed and available. Returns the hold ids in the order of `holds`.
    """
    wanted: dict[str, int] = {}
    for ref, credits in holds:
        if key(ref, "ref") in wanted:
            raise ValidationFailed(f"ref {ref!r} appears twice in one broadcast", ref=ref)
        wanted[ref] = positive(credits)
    if not holds:
        return []
    conn = sql.connection(session)
    buckets = live_buckets(conn, account_id, now)
    available = sum(b.free for b in buckets if b.free > 0)
    if sum(wanted.values()) > available:
        # Refused before anything is written, unless refs held before make up the difference.
        before = _existing(conn, account_id, list(wanted))
        needed = sum(credits for ref, credits in wanted.items() if ref not in before)
        if needed > available:
            raise insufficient(allocation.Shortfall(needed, available))
    with conn.begin_nested():
        inserted = sql.insert_many(
            conn,
            "credit_holds",
            ("account_id", "ref", "credits", "state", "created_at"),
            [(account_id, ref, credits, HoldState.OPEN.value, now) for ref, credits in holds],
            suffix="ON CONFLICT (account_id, ref) DO NOTHING RETURNING id, ref",
        )
        ids = {ref: hold_id for hold_id, ref in inserted}
        if len(ids) < len(wanted):
            for ref, (hold_id, credits) in _existing(
                conn, account_id, [r for r in wanted if r not in ids]
            ).items():
                if credits != wanted[ref]:
                    raise _mismatch(ref, credits, wanted[ref])
                ids[ref] = hold_id
        fresh = {ref for _, ref in inserted}
        new = [(ids[ref], credits) for ref, credits in holds if ref in fresh]
        try:
            parts = allocation.allocate_many(buckets, [credits for _, credits in new])
        except allocation.Shortfall as shortfall:
            raise insufficient(shortfall) from None
        per_bucket: dict[int, int] = defaultdict(int)
        entries = []
        for (hold_id, _), hold_parts in zip(new, parts, strict=True):
            for part in hold_parts:
                per_bucket[part.bucket_id] += part.credits
                entries.append((account_id, part.bucket_id, hold_id, "hold", part.credits, now))
        for bucket_id, credits in per_bucket.items():
            expect_changed(sql.write(conn, HOLD_PART, id=bucket_id, credits=credits), 1)
        sql.insert_many(conn, "credit_entries", ENTRY_COLUMNS, entries)
    return [ids[ref] for ref, _ in holds]


def _existing(conn: Connection, account_id: int, refs: list[str]) -> dict[str, tuple[int, int]]:
    """ref -> (hold id, credits) for those of `refs` the account has holds for."""
    found = sql.rows_in(conn, EXISTING, refs, account_id=account_id)
    return {ref: (hold_id, credits) for ref, hold_id, credits in found}


def _reserve(
    conn: Connection, account_id: int, credits: int, ref: str, now: datetime, *, spend: bool
) -> CreditHold:
    state, ended_at = (HoldState.CAPTURED, now) if spend else (HoldState.OPEN, None)
    row: dict[str, object] = {
        "account_id": account_id,
        "ref": ref,
        "credits": credits,
        "state": state.value,
        "now": now,
        "ended_at": ended_at,
    }
    tried: tuple[int, object] | None = None
    if conn.dialect.name == "postgresql":
        found = sql.one(conn, SPEND_ONE if spend else HOLD_ONE, **row)
        hold_id, grant_id, tried_id, tried_expires_at = found or (None, None, None, None)
        tried = None if tried_id is None else (tried_id, tried_expires_at)
    else:
        hold_id, grant_id = sql.scalar(conn, INSERT_HOLD, **row), None
        if hold_id is not None:
            grant_id = sql.scalar(
                conn,
                SPEND_HOT if spend else HOLD_HOT,
                account_id=account_id,
                credits=credits,
                now=now,
            )
        if grant_id is not None:
            sql.write(
                conn,
                SPEND_ENTRIES if spend else HOLD_ENTRY,
                account_id=account_id,
                grant_id=grant_id,
                hold_id=hold_id,
                credits=credits,
                now=now,
            )
    if hold_id is None:  # held before: the first outcome stands
        existing = get_hold(conn, account_id=account_id, ref=ref)
        if existing.credits != credits:
            raise _mismatch(ref, existing.credits, credits)
        if spend and existing.state == HoldState.OPEN:
            return _end(conn, account_id, ref, now, HoldState.CAPTURED)
        return existing
    if grant_id is None:  # no single bucket covers it: split, soonest-expiring first
        _split(conn, account_id, credits, hold_id, now, spend=spend, start=tried)
    return detached(
        CreditHold,
        id=hold_id,
        account_id=account_id,
        ref=ref,
        credits=credits,
        state=state.value,
        created_at=now,
        ended_at=ended_at,
    )


def _split(
    conn: Connection,
    account_id: int,
    credits: int,
    hold_id: int,
    now: datetime,
    *,
    spend: bool,
    start: tuple[int, object] | None,
) -> None:
    try:
        parts = allocation.allocate(live_buckets(conn, account_id, now, start), credits)
    except allocation.Shortfall as shortfall:
        sql.write(conn, DELETE_HOLD, id=hold_id)
        raise insufficient(shortfall) from None
    entries = []
    for part in parts:
        changed = sql.write(
            conn, SPEND_PART if spend else HOLD_PART, id=part.bucket_id, credits=part.credits
        )
        expect_changed(changed, 1)
        entries.append((account_id, part.bucket_id, hold_id, "hold", part.credits, now))
        if spend:
            entries.append((account_id, part.bucket_id, hold_id, "capture", -part.credits, now))
    sql.insert_many(conn, "credit_entries", ENTRY_COLUMNS, entries)


def _end(
    conn: Connection, account_id: int, ref: str, now: datetime, state: HoldState
) -> CreditHold:
    row = sql.one(conn, END_HOLD, state=state.value, now=now, account_id=account_id, ref=ref)
    if row is None:  # ended before (or never held): the first outcome stands
        return get_hold(conn, account_id=account_id, ref=ref)
    hold_id, credits, created_at = row
    entries = []
    for grant_id, part, expires_at in sql.rows(conn, HOLD_PARTS, hold_id=hold_id):
        if state == HoldState.CAPTURED:
            sql.write(conn, CAPTURE_PART, id=grant_id, credits=part)
            entries.append((account_id, grant_id, hold_id, "capture", -part, now))
            continue
        let_go = allocation.release(part, expires_at=sql.read_time(conn, expires_at), now=now)
        sql.write(conn, RELEASE_PART, id=grant_id, credits=part, written_off=let_go.written_off)
        entries.append((account_id, grant_id, hold_id, "release", -part, now))
        if let_go.written_off:
            entries.append((account_id, grant_id, hold_id, "expire", -let_go.written_off, now))
    sql.insert_many(conn, "credit_entries", ENTRY_COLUMNS, entries)
    return detached(
        CreditHold,
        id=hold_id,
        account_id=account_id,
        ref=ref,
        credits=credits,
        state=state.value,
        created_at=sql.read_time(conn, created_at),
        ended_at=now,
    )


def _end_many(
    conn: Connection, holds: Sequence[tuple[int, str]], now: datetime, state: HoldState
) -> int:
    ended: dict[int, int] = {}  # hold id -> account id
    if conn.dialect.name == "postgresql":
        accounts, refs = [a for a, _ in holds], [r for _, r in holds]
        found = sql.rows(
            conn, END_MANY_PG, state=state.value, now=now, accounts=accounts, refs=refs
        )
        ended.update((hold_id, account_id) for hold_id, account_id in found)
    else:
        for start in range(0, len(holds), sql.PAGE):
            page = holds[start : start + sql.PAGE]
            pairs = ", ".join(f"(:a{i}, :r{i})" for i in range(len(page)))
            keys: dict[str, object] = {}
            for i, (account_id, ref) in enumerate(page):
                keys[f"a{i}"], keys[f"r{i}"] = account_id, ref
            statement = sql.Statement(END_MANY_SQLITE.format(pairs=pairs))
            found = sql.rows(conn, statement, state=state.value, now=now, **keys)
            ended.update((hold_id, account_id) for hold_id, account_id in found)
    if not ended:
        return 0
    per_bucket: dict[tuple[datetime, int], list[int]] = {}  # (expiry, id) -> consumed, held
    entries = []
    for hold_id, grant_id, part, expires_at in sql.rows_in(conn, PARTS_OF, list(ended)):
        expiry = sql.read_time(conn, expires_at)
        account_id = ended[hold_id]
        if state == HoldState.CAPTURED:
            consumed = part
            entries.append((account_id, grant_id, hold_id, "capture", -part, now))
        else:
            consumed = allocation.release(part, expires_at=expiry, now=now).written_off
            entries.append((account_id, grant_id, hold_id, "release", -part, now))
            if consumed:
                entries.append((account_id, grant_id, hold_id, "expire", -consumed, now))
        totals = per_bucket.setdefault((expiry, grant_id), [0, 0])
        totals[0] += consumed
        totals[1] += part
    for (_, grant_id), (consumed, held) in sorted(per_bucket.items()):  # spending order
        sql.write(conn, END_PARTS, id=grant_id, consumed=consumed, held=held)
    sql.insert_many(conn, "credit_entries", ENTRY_COLUMNS, entries)
    return len(ended)


def _snapshot(conn: Connection, row: sql.Row) -> CreditHold:
    hold_id, account_id, ref, credits, state, created_at, ended_at = row
    return detached(
        CreditHold,
        id=hold_id,
        account_id=account_id,
        ref=ref,
        credits=credits,
        state=state,
        created_at=sql.read_time(conn, created_at),
        ended_at=None if ended_at is None else sql.read_time(conn, ended_at),
    )


def _mismatch(ref: str, held: int, asked: int) -> Conflict:
    return Conflict(
        f"hold {ref!r} was made for {held:,} credits, not {asked:,}",
        ref=ref,
        held=held,
        asked=asked,
    )
