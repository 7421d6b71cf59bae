"""Changing and resetting passwords. Either one ends sessions: a change the user's other
sessions (the one they changed it from goes on), a reset all of them."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from smsaddon import audit
from smsaddon.accounts import sessions
from smsaddon.accounts.models import User
from smsaddon.accounts.service import hash_password, password_matches
from smsaddon.errors import ValidationFailed


def change_password(
    session: Session,
    *,
    user: User,
    current: str,
    new: str,
    now: datetime,
    keep_session: str | None = None,
) -> int:
    """Set the user's password to `new` once `current` is confirmed, and end their other
    sessions (`keep_session`: the token of the one they are using). How many were ended."""
    if not password_matches(user, current):
        raise ValidationFailed(
            "The current password is not right. Nothing was changed.", field="current_password"
        )
    if new == current:
        raise ValidationFailed(
            "The new password is the current one: choose another.", field="new_password"
        )
    user.password_hash = hash_password(new, field="new_password")
    session.flush()
    ended = sessions.end_all(session, user_id=user.id, now=now, keep=keep_session)
    audit.record(
        session,
        account_id=user.account_id,
        actor_user_id=user.id,
        action=audit.Action.USER_PASSWORD_CHANGED,
        subject=f"{user.name} <{user.email}>",
        details={"user_id": user.id, "sessions_ended": ended},
        now=now,
    )
    return ended


def reset_password(session: Session, *, user: User, now: datetime, new: str | None = None) -> str:
    """The operator's reset: a new password (`new`, or a random one), every session of the
    user ended. The password, to hand to the user."""
    password = new if new is not None else secrets.token_urlsafe(12)
    user.password_hash = hash_password(password)
    session.flush()
    ended = sessions.end_all(session, user_id=user.id, now=now)
    audit.record(
        session,
        account_id=user.account_id,
        actor_user_id=None,
        action=audit.Action.USER_PASSWORD_RESET,
        subject=f"{user.name} <{user.email}>",
        details={"user_id": user.id, "sessions_ended": ended},
        now=now,
    )
    return password
