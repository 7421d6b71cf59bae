from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smsaddon.db import Base, UTCDateTime


class QuoteKind(StrEnum):
    ADD_ADDON = "add_addon"
    CHANGE_BUNDLE = "change_bundle"
    REMOVE_ADDON = "remove_addon"


class QuoteState(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"


class Subscription(Base):
    """An account's plan, and its SMS add-on and recurring credit bundle.

    `version` goes up with every change; a quote made against another version is stale.
    `billed_through` / `credited_through` are the indexes of the last billing and credit
    periods charged and granted, advanced by renewal; `renews_at` is the earliest instant at
    which renewal has something to do for this subscription.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (CheckConstraint("bundle_credits >= 0", name="bundle_credits_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    plan: Mapped[str] = mapped_column(String(20))
    interval: Mapped[str] = mapped_column(String(10))
    anchor: Mapped[datetime] = mapped_column(UTCDateTime())
    sms_addon: Mapped[bool] = mapped_column(Boolean, default=False)
    bundle_credits: Mapped[int] = mapped_column(Integer, default=0)
    # Changes that take effect at the end of the current billing period.
    addon_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    pending_bundle_credits: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pending_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    billed_through: Mapped[int] = mapped_column(Integer, default=0)
    credited_through: Mapped[int] = mapped_column(Integer, default=-1)
    # When renewal next has work: the next billing or credit period start (indexed).
    renews_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Quote(Base):
    """A stored Review Purchase: exactly what confirm will do and charge."""

    __tablename__ = "quotes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default=QuoteState.OPEN)
    subscription_version: Mapped[int] = mapped_column(Integer)
    catalog_version: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(300))
    bundle_credits: Mapped[int] = mapped_column(Integer)  # the bundle after the change
    amount_due_now: Mapped[int] = mapped_column(Integer)
    new_recurring_amount: Mapped[int] = mapped_column(Integer)
    next_invoice_date: Mapped[datetime] = mapped_column(UTCDateTime())
    next_invoice_amount: Mapped[int] = mapped_column(Integer)
    credits_now: Mapped[int] = mapped_column(Integer)
    new_monthly_credits: Mapped[int] = mapped_column(Integer)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Purchase(Base):
    __tablename__ = "purchases"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    quote_id: Mapped[str] = mapped_column(ForeignKey("quotes.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invoice(Base):
    """A charge recorded on the account; the host platform collects it.

    Renewal invoices carry `key` = "renewal:<billing period index>" so that a period is
    charged once whatever runs renewal; purchase invoices carry "quote:<id>".
    """

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("account_id", "key"),
        Index("ix_invoices_account_issued", "account_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(String(300))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    catalog_version: Mapped[str] = mapped_column(String(40))

    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.id")


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())


class IdempotencyKey(Base):
    """A request's first response, kept so a retry with the same key gets the same answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
