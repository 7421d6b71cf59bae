"""The credit ledger: grant buckets with expiry, holds, capture, release, expiry, adjustments.

Services take the caller's session (or a Core connection) first and never commit. Every change
is an append-only CreditEntry; every operation applies at most once. They write with plain SQL
(see `smsaddon.sql`), not through the ORM: the CreditGrant/CreditHold/CreditEntry objects they
return are snapshots in no session, and ledger rows an ORM session loaded earlier are not
refreshed.
The rules themselves (spending order, splits, write-offs) are pure functions in `allocation`.
"""

from smsaddon.credits.grants import (
    GrantRequest,
    adjust,
    expire_due,
    find_adjustment,
    grant,
    grant_many,
)
from smsaddon.credits.holds import (
    capture,
    capture_many,
    get_hold,
    hold,
    hold_many,
    release,
    release_many,
    spend,
)
from smsaddon.credits.models import (
    CreditAdjustment,
    CreditEntry,
    CreditGrant,
    CreditHold,
    EntryKind,
    GrantSource,
    HoldState,
)
from smsaddon.credits.queries import (
    Balance,
    PeriodTotals,
    balance,
    check_invariants,
    period_totals,
)

__all__ = [
    "Balance",
    "CreditAdjustment",
    "CreditEntry",
    "CreditGrant",
    "CreditHold",
    "EntryKind",
    "GrantRequest",
    "GrantSource",
    "HoldState",
    "PeriodTotals",
    "adjust",
    "balance",
    "capture",
    "capture_many",
    "check_invariants",
    "expire_due",
    "find_adjustment",
    "get_hold",
    "grant",
    "grant_many",
    "hold",
    "hold_many",
    "period_totals",
    "release",
    "release_many",
    "spend",
]
