"""Signed-in browser sessions, kept on the server.

The browser's cookie carries a random token; the table keeps its SHA-256 (a stolen database
gives no usable cookie). A session lives a fixed time from sign-in (`hours`), is never
extended by use, and ends at once on sign-out, on a password change (the user's other
sessions) and on a password reset (all of them).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smsaddon.accounts.models import User, WebSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(session: Session, *, user: User, hours: int, now: datetime) -> str:
    """A new session for `user`: the token to put in the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            ended_at=None,
        )
    )
    session.flush()
    return token


def user_of(session: Session, *, token: str, now: datetime) -> User | None:
    """The user of a live session, or None (unknown, ended or expired)."""
    query = (
        select(User)
        .join(WebSession, WebSession.user_id == User.id)
        .where(
            WebSession.id == _hash(token),
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
        )
    )
    return session.scalar(query)


def end(session: Session, *, token: str, now: datetime) -> None:
    """End one session (ending it twice, or an unknown one, is harmless)."""
    session.execute(
        update(WebSession)
        .where(WebSession.id == _hash(token), WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_all(session: Session, *, user_id: int, now: datetime, keep: str | None = None) -> int:
    """End every live session of the user but `keep` (a token); how many were ended."""
    query = update(WebSession).where(
        WebSession.user_id == user_id, WebSession.ended_at.is_(None), WebSession.expires_at > now
    )
    if keep is not None:
        query = query.where(WebSession.id != _hash(keep))
    return session.execute(query.values(ended_at=now)).rowcount  # type: ignore[attr-defined,no-any-return]
