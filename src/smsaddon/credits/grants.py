"""Grants, expiry and manual adjustments: everything that adds credits or takes them away
other than a message.

Each applies at most once: a grant per (account, key) and an adjustment per (account, key),
inserted with ON CONFLICT DO NOTHING in the same transaction as their entries, so a re-run,
a retry or a concurrent run finds the key taken and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from smsaddon import audit, sql, text
from smsaddon.credits import allocation, common
from smsaddon.credits.models import CreditEntry, CreditGrant, EntryKind, GrantSource
from smsaddon.errors import Conflict, ValidationFailed

MAX_REASON = 500
GRANT_COLUMNS = (
    "account_id",
    "key",
    "source",
    "amount",
    "remaining",
    "held",
    "starts_at",
    "expires_at",
    "reason",
    "created_at",
)
ENTRY_COLUMNS = (
    "account_id",
    "grant_id",
    "adjustment_id",
    "kind",
    "credits",
    "reason",
    "actor_user_id",
    "created_at",
)
ON_NEW_GRANT = "ON CONFLICT (account_id, key) DO NOTHING RETURNING id, account_id, amount, reason"

# Expiry, set-based over all accounts: each bucket expired by `now` and not yet seen here gets
# an expire entry for its unused credits and keeps only what open holds still reserve.
_DUE = "expired_at IS NULL AND expires_at <= :now"
# PostgreSQL: one statement that locks the due buckets first (a concurrent run then finds
# them done); the unused credits are read from the locked rows.
EXPIRE_DUE_PG = sql.Statement(f"""
    WITH due AS (
        SELECT id, account_id, remaining - held AS unused FROM credit_grants
        WHERE {_DUE} ORDER BY expires_at, id {{lock}}
    ),
    done AS (
        UPDATE credit_grants g SET expired_at = :now, remaining = g.held
        FROM due WHERE g.id = due.id
    ),
    written AS (
        INSERT INTO credit_entries (account_id, grant_id, kind, credits, created_at)
        SELECT account_id, id, 'expire', -unused, :now FROM due WHERE unused > 0
    )
    SELECT COALESCE(SUM(unused), 0) FROM due
""")
# SQLite (one writer at a time): the entries, then the buckets.
UNUSED = sql.Statement(f"SELECT COALESCE(SUM(remaining - held), 0) FROM credit_grants WHERE {_DUE}")
EXPIRE_ENTRIES = sql.Statement(f"""
    INSERT INTO credit_entries (account_id, grant_id, kind, credits, created_at)
    SELECT account_id, id, 'expire', held - remaining, :now FROM credit_grants
    WHERE {_DUE} AND remaining > held
""")
EXPIRE_BUCKETS = sql.Statement(
    f"UPDATE credit_grants SET expired_at = :now, remaining = held WHERE {_DUE}"
)

INSERT_ADJUSTMENT = sql.Statement("""
    INSERT INTO credit_adjustments (account_id, key, credits, reason, actor_user_id, created_at)
    VALUES (:account_id, :key, :credits, :reason, :actor_user_id, :now)
    ON CONFLICT (account_id, key) DO NOTHING
    RETURNING id
""")
GET_ADJUSTMENT = sql.Statement("""
    SELECT id, credits FROM credit_adjustments WHERE account_id = :account_id AND key = :key
""")
TAKE_FREE = sql.Statement("""
    UPDATE credit_grants SET remaining = remaining - :credits
    WHERE id = :id AND remaining - held >= :credits
""")
ADJUSTMENT_ENTRIES = sql.Statement("""
    SELECT id, account_id, grant_id, hold_id, adjustment_id, kind, credits, reason,
           actor_user_id, created_at
    FROM credit_entries WHERE adjustment_id = :adjustment_id ORDER BY id
""")


@dataclass(frozen=True, slots=True)
class GrantRequest:
    account_id: int
    credits: int
    source: GrantSource
    starts_at: datetime
    expires_at: datetime
    key: str
    reason: str | None = None


def grant(
    session: sql.Db,
    *,
    account_id: int,
    credits: int,
    source: GrantSource,
    starts_at: datetime,
    expires_at: datetime,
    key: str,
    now: datetime,
    reason: str | None = None,
) -> CreditGrant | None:
    """A new bucket of `credits` live from `starts_at` to `expires_at`; None when the key was
    granted before (nothing changes)."""
    request = GrantRequest(
        account_id=account_id,
        credits=credits,
        source=source,
        starts_at=starts_at,
        expires_at=expires_at,
        key=key,
        reason=reason,
    )
    rows = _insert_grants(sql.connection(session), [request], now)
    if not rows:
        return None
    return common.detached(
        CreditGrant,
        id=rows[0][0],
        account_id=account_id,
        key=key,
        source=GrantSource(source).value,
        amount=credits,
        remaining=credits,
        held=0,
        starts_at=starts_at,
        expires_at=expires_at,
        expired_at=None,
        reason=reason,
        created_at=now,
    )


def grant_many(session: sql.Db, *, grants: Sequence[GrantRequest], now: datetime) -> int:
    """Many grants in a few statements (renewal); those whose key was granted before are
    skipped. The number granted now."""
    return len(_insert_grants(sql.connection(session), grants, now))


def _insert_grants(
    conn: Connection, grants: Sequence[GrantRequest], now: datetime
) -> list[sql.Row]:
    values = []
    for g in grants:
        common.positive(g.credits)
        if g.expires_at <= g.starts_at:
            raise ValidationFailed("a grant must expire after it starts", field="expires_at")
        values.append(
            (
                g.account_id,
                common.key(g.key, "key"),
                GrantSource(g.source).value,
                g.credits,
                g.credits,
                0,
                g.starts_at,
                g.expires_at,
                _optional_reason(g.reason),
                now,
            )
        )
    rows = sql.insert_many(conn, "credit_grants", GRANT_COLUMNS, values, suffix=ON_NEW_GRANT)
    sql.insert_many(
        conn,
        "credit_entries",
        ENTRY_COLUMNS,
        [
            (account_id, grant_id, None, EntryKind.GRANT.value, amount, reason, None, now)
            for grant_id, account_id, amount, reason in rows
        ],
    )
    return rows


def expire_due(session: sql.Db, *, now: datetime) -> int:
    """Write off the unused credits of every bucket expired by `now` (credits still held stay
    until their hold ends). The number of credits expired."""
    conn = sql.connection(session)
    if conn.dialect.name == "postgresql":
        return int(sql.scalar(conn, EXPIRE_DUE_PG, now=now))
    unused = int(sql.scalar(conn, UNUSED, now=now))
    if unused:
        sql.write(conn, EXPIRE_ENTRIES, now=now)
    sql.write(conn, EXPIRE_BUCKETS, now=now)
    return unused


def find_adjustment(session: sql.Db, *, account_id: int, key: str) -> int | None:
    """The credits of the account's adjustment made under `key`, None when there is none."""
    found = sql.one(
        sql.connection(session), GET_ADJUSTMENT, account_id=account_id, key=common.key(key, "key")
    )
    return None if found is None else int(found[1])


def adjust(
    session: sql.Db,
    *,
    account_id: int,
    credits: int,
    reason: str,
    actor_user_id: int,
    now: datetime,
    key: str,
    expires_at: datetime | None = None,
) -> list[CreditEntry]:
    """A manual correction with a reason, by a user. Positive: a manual bucket expiring at
    `expires_at`. Negative: taken from free credits, soonest-expiring first, refused if the
    account has fewer. Once per key: a retry returns the first adjustment's entries."""
    if not isinstance(credits, int) or isinstance(credits, bool) or credits == 0:
        raise ValidationFailed(
            "an adjustment needs a whole number of credits other than 0", field="credits"
        )
    reason = _required_reason(reason)
    adjustment_key = common.key(key, "key")
    if credits > 0 and (expires_at is None or expires_at <= now):
        raise ValidationFailed(
            "credits added by hand need an expiry in the future", field="expires_at"
        )
    conn = sql.connection(session)
    with conn.begin_nested():
        adjustment_id = sql.scalar(
            conn,
            INSERT_ADJUSTMENT,
            account_id=account_id,
            key=adjustment_key,
            credits=credits,
            reason=reason,
            actor_user_id=actor_user_id,
            now=now,
        )
        if adjustment_id is None:  # made before: the first outcome stands
            first = sql.one(conn, GET_ADJUSTMENT, account_id=account_id, key=adjustment_key)
            if first is None:
                raise RuntimeError(f"adjustment {adjustment_key!r} is taken but not found")
            if first[1] != credits:
                raise Conflict(
                    f"adjustment {adjustment_key!r} was for {first[1]:+,} credits, "
                    f"not {credits:+,}",
                    key=adjustment_key,
                )
            return _entries(conn, first[0])
        if credits > 0 and expires_at is not None:
            rows = sql.insert_many(
                conn,
                "credit_grants",
                GRANT_COLUMNS,
                [
                    (
                        account_id,
                        f"adjust:{adjustment_key}",
                        GrantSource.MANUAL.value,
                        credits,
                        credits,
                        0,
                        now,
                        expires_at,
                        reason,
                        now,
                    )
                ],
                suffix=ON_NEW_GRANT,
            )
            if not rows:
                raise Conflict(f"grant key 'adjust:{adjustment_key}' is taken", key=adjustment_key)
            parts = [allocation.Part(rows[0][0], credits)]
        else:
            try:
                parts = allocation.allocate(common.live_buckets(conn, account_id, now), -credits)
            except allocation.Shortfall as shortfall:
                raise common.insufficient(shortfall) from None
            for part in parts:
                changed = sql.write(conn, TAKE_FREE, id=part.bucket_id, credits=part.credits)
                common.expect_changed(changed, 1)
        sign = 1 if credits > 0 else -1
        sql.insert_many(
            conn,
            "credit_entries",
            ENTRY_COLUMNS,
            [
                (
                    account_id,
                    part.bucket_id,
                    adjustment_id,
                    EntryKind.ADJUST.value,
                    sign * part.credits,
                    reason,
                    actor_user_id,
                    now,
                )
                for part in parts
            ],
        )
        audit.record(
            conn,
            account_id=account_id,
            actor_user_id=actor_user_id,
            action=audit.Action.CREDITS_ADJUSTED,
            subject=f"{credits:+,} credits",
            details={"credits": credits, "reason": reason, "key": adjustment_key},
            now=now,
        )
        return _entries(conn, adjustment_id)


def _entries(conn: Connection, adjustment_id: int) -> list[CreditEntry]:
    return [
        common.detached(
            CreditEntry,
            id=row[0],
            account_id=row[1],
            grant_id=row[2],
            hold_id=row[3],
            adjustment_id=row[4],
            kind=row[5],
            credits=row[6],
            reason=row[7],
            actor_user_id=row[8],
            created_at=sql.read_time(conn, row[9]),
        )
        for row in sql.rows(conn, ADJUSTMENT_ENTRIES, adjustment_id=adjustment_id)
    ]


def _required_reason(reason: str) -> str:
    checked = _optional_reason(reason)
    if checked is None:
        raise ValidationFailed("say why: a reason is required", field="reason")
    return checked


def _optional_reason(reason: str | None) -> str | None:
    if reason is None or not reason.strip():
        return None
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"a reason has at most {MAX_REASON} characters", field="reason")
    return text.checked(reason, field="reason")
