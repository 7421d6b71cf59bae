"""The ledger's tables.

A grant is a bucket: `amount` granted, `remaining` not yet spent (held credits included),
`held` reserved by open holds. A bucket is live from `starts_at` until `expires_at`; available
credits = sum(remaining - held) over live buckets, computed when read, so a late expiry job
never shows a stale balance. The CHECKs make an overdraft impossible whatever the code does.

Entries are append-only, one row per change to one bucket; a bucket's `remaining` is the sum
of its grant, capture, expire and adjust entries, its `held` the sum of its hold, capture and
release entries (a capture consumes held credits, so it counts in both).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from smsaddon.db import Base, UTCDateTime


class GrantSource(StrEnum):
    ADDON = "addon"
    BUNDLE = "bundle"
    MANUAL = "manual"


class EntryKind(StrEnum):
    GRANT = "grant"
    HOLD = "hold"
    CAPTURE = "capture"
    RELEASE = "release"
    EXPIRE = "expire"
    ADJUST = "adjust"


class HoldState(StrEnum):
    OPEN = "open"
    CAPTURED = "captured"
    RELEASED = "released"


class CreditGrant(Base):
    __tablename__ = "credit_grants"
    __table_args__ = (
        UniqueConstraint("account_id", "key"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("remaining >= held AND held >= 0", name="held_within_remaining"),
        CheckConstraint("remaining <= amount", name="remaining_within_amount"),
        CheckConstraint("expires_at > starts_at", name="expires_after_start"),
        Index("ix_credit_grants_spend_order", "account_id", "expires_at", "id"),
        # The expiry job's work list: buckets not yet expired (expired_at IS NULL) by expiry.
        Index("ix_credit_grants_expiry", "expired_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(120))  # idempotency: one grant per key per account
    source: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the expiry job wrote off the bucket's unused credits (NULL until then).
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CreditHold(Base):
    """Credits reserved for one message (`ref`); its parts, per bucket, are its hold entries."""

    __tablename__ = "credit_holds"
    __table_args__ = (
        UniqueConstraint("account_id", "ref"),
        CheckConstraint("credits > 0", name="credits_positive"),
        CheckConstraint("state IN ('open', 'captured', 'released')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    ref: Mapped[str] = mapped_column(String(120))  # the caller's idempotency key (a message id)
    credits: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default=HoldState.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CreditAdjustment(Base):
    """A manual correction: who, why, how many; its entries point back to it."""

    __tablename__ = "credit_adjustments"
    __table_args__ = (
        UniqueConstraint("account_id", "key"),
        CheckConstraint("credits <> 0", name="credits_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(120))  # idempotency: one adjustment per key
    credits: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    actor_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CreditEntry(Base):
    """One change to one bucket. Append-only: a correction is a new entry.

    `grant_id` is a foreign key; `account_id` and `hold_id` are not (a per-row foreign key
    check costs more than the insert itself when a broadcast writes 100,000 entries at once,
    and on the hot path it runs while the bucket is locked). The ledger writes them in the
    same statement as the rows they name, and `check_invariants` verifies both.
    """

    __tablename__ = "credit_entries"
    __table_args__ = (
        CheckConstraint("credits <> 0", name="credits_not_zero"),
        CheckConstraint(
            "kind IN ('grant', 'hold', 'capture', 'release', 'expire', 'adjust')",
            name="kind_known",
        ),
        Index("ix_credit_entries_account_time", "account_id", "created_at"),
        Index("ix_credit_entries_hold", "hold_id"),
        Index(
            "ix_credit_entries_adjustment",
            "adjustment_id",
            sqlite_where=text("adjustment_id IS NOT NULL"),
            postgresql_where=text("adjustment_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    grant_id: Mapped[int] = mapped_column(ForeignKey("credit_grants.id"))
    hold_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    adjustment_id: Mapped[int | None] = mapped_column(
        ForeignKey("credit_adjustments.id"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    # Signed change to the bucket: `remaining` for grant/expire/adjust, `held` for hold (+)
    # and release (-), both for capture (-). A release after expiry writes a release and an
    # expire entry.
    credits: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
