"""The ledger's tables.

A grant is a bucket: `amount` granted, `remaining` not yet spent (held credits included),
`held` reserved by open holds. Available credits = sum(remaining - held) over live buckets
(expires_at > now). The CHECKs make an overdraft impossible whatever the code does.
Entries are append-only: one row per change to one bucket.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
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
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CreditHold(Base):
    __tablename__ = "credit_holds"
    __table_args__ = (
        UniqueConstraint("account_id", "ref"),
        CheckConstraint("credits > 0", name="credits_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    ref: Mapped[str] = mapped_column(String(120))  # the caller's idempotency key (a message id)
    credits: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default=HoldState.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CreditEntry(Base):
    __tablename__ = "credit_entries"
    __table_args__ = (
        Index("ix_credit_entries_account_time", "account_id", "created_at"),
        Index("ix_credit_entries_hold", "hold_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    grant_id: Mapped[int] = mapped_column(ForeignKey("credit_grants.id"), index=True)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("credit_holds.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(10))
    # Signed change to the bucket: `remaining` for grant/capture/expire/adjust, `held` for
    # hold (+) and release (-). A release after expiry writes a release and an expire entry.
    credits: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
