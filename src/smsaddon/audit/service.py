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
from typing import Any, Protocol

from sqlalchemy import Connection, Select, column, func, insert, or_, select, table
from sqlalchemy.orm import Session

from smsaddon.audit.actions import Action
from smsaddon.audit.models import AuditEntry
from smsaddon.audit.origin import current_origin
from smsaddon.errors import NotFound, PermissionDenied

MAX_LIMIT = 200
SUBJECT_LENGTH = 200

# The people named in entries, read from the accounts' table by name: the audit log sits below
# the accounts package (which records into it), so it does not import it.
_USERS = table("users", column("id"), column("name"), column("email"))


class Reader(Protocol):
    """Who reads the log: a user of an account, an admin or not."""

    @property
    def account_id(self) -> int: ...

    @property
    def is_admin(self) -> bool: ...


def _require_admin(actor: Reader) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only admins can read the audit log. Ask an admin of your account.")


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
    action: Action,
    subject: str,
    details: Mapping[str, Any],
    now: datetime,
    origin: str | None = None,
) -> None:
    """Append one entry. `actor_user_id` is None for the operator's commands and the reviewer;
    `origin` is where the request came from (the entrypoint's, by default)."""
    origin = current_origin() if origin is None else origin
    session.execute(
        insert(AuditEntry).values(
            account_id=account_id,
            actor_user_id=actor_user_id,
            action=str(action),
            subject=subject[:SUBJECT_LENGTH],
            details=json.dumps(dict(details), sort_keys=True, default=str),
            origin=origin[:100],
            created_at=now,
        )
    )


def list_entries(
    session: Session,
    *,
    actor: Reader,
    action: str | None = None,
    actor_user_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Entry]:
    """The actor's account's entries, newest first (admins only). `action` is an action
    ("registration.submitted") or an area ("registration"); `until` is exclusive."""
    _require_admin(actor)
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
    query = _filtered(account_id, action, actor_user_id, since, until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    query = query.order_by(AuditEntry.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
    rows = list(session.scalars(query))
    users = _users(session, {row.actor_user_id for row in rows if row.actor_user_id})
    return [_entry(row, users) for row in rows]


def count_entries(
    session: Session,
    *,
    actor: Reader,
    action: str | None = None,
    actor_user_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """How many entries `list_entries` pages through with these filters (admins only)."""
    _require_admin(actor)
    query = _filtered(actor.account_id, action, actor_user_id, since, until)
    return int(session.scalar(query.with_only_columns(func.count())) or 0)


def _filtered(
    account_id: int,
    action: str | None,
    actor_user_id: int | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.account_id == account_id)
    if action:
        query = query.where(
            or_(
                AuditEntry.action == action,
                AuditEntry.action.startswith(f"{action}.", autoescape=True),
            )
        )
    if actor_user_id is not None:
        query = query.where(AuditEntry.actor_user_id == actor_user_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    return query


def get_entry(session: Session, *, actor: Reader, entry_id: int) -> Entry:
    """One entry of the actor's account (admins only); another account's does not exist."""
    _require_admin(actor)
    row = session.scalar(
        select(AuditEntry).where(
            AuditEntry.id == entry_id, AuditEntry.account_id == actor.account_id
        )
    )
    if row is None:
        raise NotFound("There is no such audit entry.", entry_id=entry_id)
    users = _users(session, {row.actor_user_id} if row.actor_user_id else set())
    return _entry(row, users)


def _users(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Each user's (name, email)."""
    if not ids:
        return {}
    query = select(_USERS.c.id, _USERS.c.name, _USERS.c.email).where(_USERS.c.id.in_(ids))
    return {id_: (name, email) for id_, name, email in session.execute(query)}


def _entry(row: AuditEntry, users: dict[int, tuple[str, str]]) -> Entry:
    user = users.get(row.actor_user_id) if row.actor_user_id else None
    if user is not None:
        actor, name = f"{user[0]} <{user[1]}>", user[0]
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
