"""Personal API tokens.

A token is shown once, when it is created; only its SHA-256 is stored, with a short prefix to
recognize it by in lists. A token acts as its user: it carries exactly the user's permissions,
as they are at each request. A revoked token authenticates nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smsaddon import audit
from smsaddon.accounts.models import ApiToken, User
from smsaddon.errors import Conflict, NotFound, ValidationFailed
from smsaddon.text import checked

TOKEN_PREFIX = "sms_"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8  # "sms_" and 8 random characters: shown in lists
MAX_NAME = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


MAX_ACTIVE_TOKENS = 20  # per user: a leaked script cannot mint tokens without end


def create_token(session: Session, *, user: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new token for `user`: the stored row and the token itself (shown once, never again)."""
    name = checked(name, field="name")
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(f"a token needs a name of 1 to {MAX_NAME} characters", field="name")
    # The user's row, locked, orders concurrent creations: the cap holds under a race.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    active = session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if (active or 0) >= MAX_ACTIVE_TOKENS:
        raise Conflict(
            f"You have {MAX_ACTIVE_TOKENS} active API tokens, the most a user may have. "
            "Revoke one you no longer use, then create this one.",
            limit=MAX_ACTIVE_TOKENS,
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_token(secret),
        created_at=now,
        revoked_at=None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        account_id=user.account_id,
        actor_user_id=user.id,
        action=audit.Action.TOKEN_CREATED,
        subject=f"API token {token.prefix}... ({name})",
        details={"token_id": token.id, "prefix": token.prefix, "name": name},
        now=now,
    )
    return token, secret


def list_tokens(session: Session, *, user: User) -> list[ApiToken]:
    """The user's tokens, revoked ones included, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(query))


def revoke_token(
    session: Session,
    *,
    user: User,
    now: datetime,
    token_id: int | None = None,
    prefix: str | None = None,
) -> ApiToken:
    """Revoke one of the user's tokens, named by id or by prefix (revoking twice is harmless)."""
    if (token_id is None) == (prefix is None):
        raise ValidationFailed("name the token to revoke by its id or by its prefix")
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    else:
        query = query.where(ApiToken.prefix == prefix)
    found = list(session.scalars(query.with_for_update()))
    if not found:
        raise NotFound("there is no such token", token_id=token_id, prefix=prefix)
    if len(found) > 1:
        raise Conflict(
            "several tokens have this prefix; revoke by id", ids=[token.id for token in found]
        )
    token = found[0]
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
        audit.record(
            session,
            account_id=user.account_id,
            actor_user_id=user.id,
            action=audit.Action.TOKEN_REVOKED,
            subject=f"API token {token.prefix}... ({token.name})",
            details={"token_id": token.id, "prefix": token.prefix, "name": token.name},
            now=now,
        )
    return token


def authenticate_token(session: Session, token: str) -> User | None:
    """The user the token belongs to, or None if it is unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    query = (
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )
    return session.scalar(query)
