"""An account's sending lately, for its dashboard: the last broadcasts with how many of their
messages were delivered, and the last replies received. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smsaddon.sms.models import Broadcast, ContactList, InboundMessage, Message, Status

# Messages still on their way: neither delivered nor refused yet.
UNDER_WAY = (Status.QUEUED, Status.SENDING, Status.SENT)


@dataclass(frozen=True)
class BroadcastActivity:
    id: int
    list_name: str
    created_at: datetime
    queued: int  # messages accepted for sending (the blocked ones are not)
    blocked: int
    delivered: int
    under_way: int

    @property
    def not_delivered(self) -> int:
        """Undelivered, failed or canceled."""
        return self.queued - self.delivered - self.under_way


def recent_broadcasts(
    session: Session, *, account_id: int, limit: int = 5
) -> tuple[list[BroadcastActivity], int]:
    """The account's last `limit` broadcasts, newest first, and how many it sent in all."""
    total = session.scalar(
        select(func.count()).select_from(Broadcast).where(Broadcast.account_id == account_id)
    )
    rows = session.execute(
        select(Broadcast, ContactList.name)
        .join(ContactList, ContactList.id == Broadcast.list_id)
        .where(Broadcast.account_id == account_id)
        .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
        .limit(limit)
    ).all()
    counts: dict[tuple[int | None, str], int] = {}
    if rows:
        for broadcast_id, status, n in session.execute(
            select(Message.broadcast_id, Message.status, func.count())
            .where(Message.broadcast_id.in_([b.id for b, _ in rows]))
            .group_by(Message.broadcast_id, Message.status)
        ):
            counts[(broadcast_id, status)] = n
    found = [
        BroadcastActivity(
            id=b.id,
            list_name=name,
            created_at=b.created_at,
            queued=b.queued,
            blocked=b.blocked,
            delivered=counts.get((b.id, Status.DELIVERED), 0),
            under_way=sum(counts.get((b.id, s), 0) for s in UNDER_WAY),
        )
        for b, name in rows
    ]
    return found, int(total or 0)


def recent_replies(
    session: Session, *, account_id: int, limit: int = 5
) -> tuple[list[InboundMessage], int]:
    """The last `limit` messages people sent to the account, newest first, and how many it
    received in all."""
    total = session.scalar(
        select(func.count())
        .select_from(InboundMessage)
        .where(InboundMessage.account_id == account_id)
    )
    found = session.scalars(
        select(InboundMessage)
        .where(InboundMessage.account_id == account_id)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    ).all()
    return list(found), int(total or 0)


def count_messages(session: Session, *, account_id: int, status: str | None = None) -> int:
    """How many messages the account has (with `status`, when given)."""
    query = select(func.count()).select_from(Message).where(Message.account_id == account_id)
    if status is not None:
        query = query.where(Message.status == status)
    return int(session.scalar(query) or 0)
