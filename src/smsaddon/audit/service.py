"""Record and read the audit log.

`record` inserts one row in the caller's transaction (so an entry exists exactly when its
change was committed) and works on a Session or a Connection. Reading is for the account's
admins only, and only ever shows their own account's entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select
from sqlalchemy.orm import Session

from smsaddon.accounts.models import User
from smsaddon.accounts.service import require_admin
from smsaddon.audit.models import AuditEntry
from smsaddon.errors import NotFound

MAX_LIMIT = 200
SUBJECT_LENGTH = 200

# The actions recorded, by area; filters take an action or an area ("registration").
ACTIONS = (
    "account.time_zone_changed",
    "purchase.confirmed",
    "credits.adjusted",
    "token.created",
    "token.revoked",
    "user.permissions_changed",
    "profile.saved",
    "number.provisioned",
    "registration.brand_saved",
    "registration.campaign_saved",
    "registration.submitted",
    "registration.approved",
    "registration.rejected",
    "registration.suspended",
)
AREAS = tuple(dict.fromkeys(action.split(".")[0] for action in ACTIONS))


@dataclass(frozen=True)
class Entry:
    """An audit entry as shown: `actor` names the user (or the operator, or the reviewer)."""

    id: int
    created_at: datetime
    actor_user_id: int | None
    actor: str
    actor_name: str  # how a sentence starts: "Olivia Owner", "The operator"
    action: str
    subject: str
    details: dict[str, Any]
    origin: str


def record(
    session: Session | Connection,
    *,
    account_id: int,
    actor_user_id: int | None,
    action: str,
    subject: str,
    details: Mapping[str, Any],
    origin: str,
    now: datetime,
) -> None:
    """Append one entry. `actor_user_id` is None for the operator's commands and the reviewer."""
    session.execute(
        insert(AuditEntry).values(
            account_id=account_id,
            actor_user_id=actor_user_id,
            action=action,
            subject=subject[:SUBJECT_LENGTH],
            details=json.dumps(dict(details), sort_keys=True, default=str),
            origin=origin[:100],
            created_at=now,
        )
    )


def list_entries(
    session: Session,
    *,
    actor: User,
    action: str | None = None,
    actor_user_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Entry]:
    """The actor's account's entries, newest first (admins only). `action` is an action
    ("registration.submitted") or an area ("registration"); `until` is exclusive."""
    require_admin(actor)
    return entries_of(
        session,
        account_id=actor.account_id,
        action=action,
        actor_user_id=actor_user_id,
        since=since,
        until=until,
        before_id=before_id,
        limit=limit,
    )


def entries_of(
    session: Session,
    *,
    account_id: int,
    action: str | None = None,
    actor_user_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Entry]:
    """An account's entries, newest first, for an operator (no permission check)."""
    query = select(AuditEntry).where(AuditEntry.account_id == account_id)
    if action:
        query = query.where(
            or_(AuditEntry.action == action, AuditEntry.action.startswith(f"{action}."))
        )
    if actor_user_id is not None:
        query = query.where(AuditEntry.actor_user_id == actor_user_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    query = query.order_by(AuditEntry.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
    rows = list(session.scalars(query))
    users = _users(session, {row.actor_user_id for row in rows if row.actor_user_id})
    return [_entry(row, users) for row in rows]


def get_entry(session: Session, *, actor: User, entry_id: int) -> Entry:
    """One entry of the actor's account (admins only); another account's does not exist."""
    require_admin(actor)
    row = session.scalar(
        select(AuditEntry).where(
            AuditEntry.id == entry_id, AuditEntry.account_id == actor.account_id
        )
    )
    if row is None:
        raise NotFound("There is no such audit entry.", entry_id=entry_id)
    users = _users(session, {row.actor_user_id} if row.actor_user_id else set())
    return _entry(row, users)


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}


def _entry(row: AuditEntry, users: dict[int, User]) -> Entry:
    user = users.get(row.actor_user_id) if row.actor_user_id else None
    if user is not None:
        actor, name = f"{user.name} <{user.email}>", user.name
    elif row.origin == "cli":
        actor, name = "Operator", "The operator"
    elif row.origin == "reviewer":
        actor, name = "Registration reviewer", "The registration reviewer"
    else:
        actor, name = "System", "The system"
    return Entry(
        id=row.id,
        created_at=row.created_at,
        actor_user_id=row.actor_user_id,
        actor=actor,
        actor_name=name,
        action=row.action,
        subject=row.subject,
        details=json.loads(row.details),
        origin=row.origin,
    )
