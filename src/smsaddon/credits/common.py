"""What the ledger's services share: input checks, the locked list of live buckets, refusals."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import class_mapper

from smsaddon import sql
from smsaddon.credits.allocation import Bucket, Shortfall
from smsaddon.errors import InsufficientCredits, ValidationFailed

MAX_KEY = 120
Model = TypeVar("Model")

# The account's live buckets in spending order, locked on PostgreSQL. Whoever takes several of
# an account's buckets takes them in this order, so lockers never wait on each other in a
# circle. LIVE_FROM starts at a given bucket: the one a failed hot-path write may have left
# locked (PostgreSQL locks the row it re-checks), so that a hold never waits on a bucket
# ordered before one it has. A bucket before it had no free credits a moment ago.
_LIVE = """
    SELECT id, expires_at, remaining - held FROM credit_grants
    WHERE account_id = :account_id AND starts_at <= :now AND expires_at > :now {after}
    ORDER BY expires_at, id {lock}
"""
LIVE_BUCKETS = sql.Statement(_LIVE.replace("{after}", ""))
LIVE_FROM = sql.Statement(
    _LIVE.replace("{after}", "AND (expires_at, id) >= (:from_expires_at, :from_id)")
)


def live_buckets(
    conn: Connection, account_id: int, now: datetime, start: tuple[int, object] | None = None
) -> list[Bucket]:
    """The live buckets (from bucket `start`, given as (id, expires_at as read), if any)."""
    if start is None:
        found = sql.rows(conn, LIVE_BUCKETS, account_id=account_id, now=now)
    else:
        found = sql.rows(
            conn,
            LIVE_FROM,
            account_id=account_id,
            now=now,
            from_id=start[0],
            from_expires_at=sql.read_time(conn, start[1]),
        )
    return [Bucket(id=row[0], expires_at=sql.read_time(conn, row[1]), free=row[2]) for row in found]


def positive(value: Any, field: str = "credits") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValidationFailed(
            f"{field} must be a positive whole number, got {value!r}", field=field
        )
    return value


def key(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEY:
        raise ValidationFailed(
            f"{field} must be 1 to {MAX_KEY} characters, got {value!r}", field=field
        )
    return value


def insufficient(shortfall: Shortfall) -> InsufficientCredits:
    return InsufficientCredits(
        f"This needs {shortfall.needed:,} credits and {shortfall.available:,} are available.",
        needed=shortfall.needed,
        available=shortfall.available,
    )


def expect_changed(changed: int, expected: int) -> None:
    """A conditional write under lock that did not apply means the ledger moved under us."""
    if changed != expected:
        raise RuntimeError(f"ledger write applied to {changed} rows, expected {expected}")


_managers: dict[type, Any] = {}


def detached(model: type[Model], **values: Any) -> Model:
    """A `model` instance holding `values`, in no session: built the way the ORM builds the
    rows it loads (about ten times cheaper than calling the constructor)."""
    manager = _managers.get(model)
    if manager is None:
        manager = _managers[model] = class_mapper(model).class_manager
    instance: Model = manager.new_instance()
    instance.__dict__.update(values)
    return instance
