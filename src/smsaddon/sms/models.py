"""Sending's tables: contacts and lists, opt-outs, broadcasts, messages (the queue), the
gateway's ids of each message, and inbound messages.

`messages` is the queue: a worker claims due `queued` rows, stamping each `sending` with a
fresh `attempt_id`, a lease and `submitted_at` (the intent, committed before the network
call); only the holder of that attempt may record its outcome. A `sending` row whose lease ran
out has an unknown outcome: it is failed, never submitted again. `pending_reports` keeps
delivery reports whose message is not known yet, until its gateway ids are recorded.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from smsaddon.db import Base, UTCDateTime


class Status(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELED = "canceled"


FINAL = (Status.DELIVERED, Status.UNDELIVERED, Status.FAILED, Status.BLOCKED, Status.CANCELED)
STATUSES = tuple(s.value for s in Status)


def hold_ref(message_id: int) -> str:
    """The credit hold's ref of a message."""
    return f"msg:{message_id}"


class Kind(StrEnum):
    MESSAGE = "message"  # sent for a customer, paid for with credits
    REPLY = "reply"  # a confirmation of STOP, START or HELP: free


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("account_id", "e164"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    e164: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(2))
    time_zones: Mapped[str] = mapped_column(String(200))  # space-separated IANA names
    name: Mapped[str] = mapped_column(String(200), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    consent_source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContactList(Base):
    __tablename__ = "contact_lists"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContactListMember(Base):
    __tablename__ = "contact_list_members"

    list_id: Mapped[int] = mapped_column(ForeignKey("contact_lists.id"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)


class OptOut(Base):
    """A number that said STOP to this account (or was added by an admin): never messaged."""

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("account_id", "e164"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    e164: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))  # "reply" or "admin"
    keyword: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_account_created", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("contact_lists.id"))
    body: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(5))
    segments: Mapped[int] = mapped_column(Integer)
    queued: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[int] = mapped_column(Integer)
    credits: Mapped[int] = mapped_column(Integer)
    catalog_version: Mapped[str] = mapped_column(String(40))
    send_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("credits >= 0", name="credits_not_negative"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status_known"
        ),
        # The queue: what is due, in order.
        Index(
            "ix_messages_queue",
            "due_at",
            "id",
            sqlite_where=text("status IN ('queued', 'sending')"),
            postgresql_where=text("status IN ('queued', 'sending')"),
        ),
        Index("ix_messages_account_created", "account_id", "created_at", "id"),
        Index("ix_messages_to", "to_e164", "created_at"),
        Index("ix_messages_broadcast", "broadcast_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(10), default=Kind.MESSAGE)
    to_e164: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(2))
    time_zones: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text, nullable=True)  # NULL: the broadcast's
    encoding: Mapped[str] = mapped_column(String(5))
    segments: Mapped[int] = mapped_column(Integer)
    credits: Mapped[int] = mapped_column(Integer)
    catalog_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)  # failed/blocked
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempt_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When the holder of `attempt_id` claimed it to hand it to the gateway (committed before
    # the network call); with the attempt's number (`attempts`), what judges a lost attempt.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class GatewayRef(Base):
    """The gateway's id of a message part: delivery receipts name these."""

    __tablename__ = "gateway_refs"

    gateway_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)


class PendingReport(Base):
    """A delivery report received before its message's gateway ids were recorded."""

    __tablename__ = "pending_reports"

    gateway_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_messages_from", "from_e164", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    gateway_id: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    from_e164: Mapped[str] = mapped_column(String(20))
    to: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    keyword: Mapped[str | None] = mapped_column(String(20), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
