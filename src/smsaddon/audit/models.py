"""The audit log's one table. Rows are written once and never changed or removed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from smsaddon.db import Base, UTCDateTime


class AuditEntry(Base):
    """Who (`actor_user_id`; null for the operator or the reviewer), did what (`action` on
    `subject`, with `details` as JSON), when (`created_at`) and from where (`origin`: the
    client's address, "cli", "reviewer")."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AppendOnly(RuntimeError):
    """An attempt to change or remove an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _no_update(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    raise AppendOnly(f"audit entry {target.id} cannot be changed: the audit log is append-only")


@event.listens_for(AuditEntry, "before_delete")
def _no_delete(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    raise AppendOnly(f"audit entry {target.id} cannot be removed: the audit log is append-only")
