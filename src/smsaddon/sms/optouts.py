"""Opt-outs: numbers that asked an account to stop. They are never messaged (a message to
one is recorded as `blocked`, free). Replies of one keyword, in any case, change them.

An opt-out is a barrier: recording it cancels the account's queued messages to the number and
releases their credits, in the same transaction (a claimed one is checked again by its worker
right before the network call)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from smsaddon import credits, sql
from smsaddon.accounts import User, require_admin
from smsaddon.db import insert_ignoring_conflicts
from smsaddon.errors import NotFound
from smsaddon.phones import normalize
from smsaddon.sms.models import OptOut, hold_ref

STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})

STOP_REPLY = "You are unsubscribed and will get no more messages. Reply START to resubscribe."
START_REPLY = "You are subscribed again. Reply STOP to unsubscribe, HELP for help."
HELP_REPLY = "Reply STOP to unsubscribe, START to resubscribe. Msg & data rates may apply."
OPTED_OUT_CANCELED = (
    "Canceled: the recipient opted out (replied STOP) before it was sent. Its credits were "
    "released."
)
CANCEL_UNSENT = sql.Statement("""
    UPDATE messages SET status = 'canceled', reason = :reason, finished_at = :now,
           lease_until = NULL
    WHERE account_id = :account_id AND to_e164 = :e164 AND kind = 'message'
      AND status = 'queued'
    RETURNING id, credits
""")


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


def keyword_of(body: str) -> tuple[Keyword, str] | None:
    """The keyword a reply is (one word, any case, surrounding spaces and dots ignored)."""
    word = body.strip().strip(".!").upper()
    if word in STOP_WORDS:
        return Keyword.STOP, word
    if word in START_WORDS:
        return Keyword.START, word
    if word in HELP_WORDS:
        return Keyword.HELP, word
    return None


def is_opted_out(session: Session, *, account_id: int, e164: str) -> bool:
    query = select(OptOut.id).where(OptOut.account_id == account_id, OptOut.e164 == e164)
    return session.scalar(query) is not None


def opt_out(
    session: Session,
    *,
    account_id: int,
    e164: str,
    source: str,
    now: datetime,
    keyword: str | None = None,
) -> None:
    """Record the opt-out (doing it twice changes nothing) and cancel the account's queued
    messages to the number, releasing their credits."""
    statement = insert_ignoring_conflicts(session, OptOut.__table__).values(
        account_id=account_id, e164=e164, source=source, keyword=keyword, created_at=now
    )
    session.execute(statement)
    conn = sql.connection(session)
    canceled = sql.rows(
        conn, CANCEL_UNSENT, account_id=account_id, e164=e164, reason=OPTED_OUT_CANCELED, now=now
    )
    holds = [(account_id, hold_ref(mid)) for mid, cost in canceled if cost]
    if holds:
        credits.release_many(conn, holds=holds, now=now)


def opt_in(session: Session, *, account_id: int, e164: str) -> bool:
    """Remove the opt-out; whether there was one."""
    result = session.execute(
        delete(OptOut).where(OptOut.account_id == account_id, OptOut.e164 == e164)
    )
    return bool(getattr(result, "rowcount", 0))


def list_opt_outs(
    session: Session, *, account_id: int, before_id: int | None = None, limit: int | None = None
) -> list[OptOut]:
    """Newest first; `before_id` continues a previous page (cursor pagination)."""
    query = select(OptOut).where(OptOut.account_id == account_id)
    if before_id is not None:
        query = query.where(OptOut.id < before_id)
    return list(session.scalars(query.order_by(OptOut.id.desc()).limit(limit)))


def count_opt_outs(session: Session, *, account_id: int) -> int:
    query = select(func.count()).select_from(OptOut).where(OptOut.account_id == account_id)
    return int(session.scalar(query) or 0)


def add_opt_out(session: Session, *, actor: User, number: str, now: datetime) -> str:
    """An admin adds a number to the account's opt-out list; its E.164 form."""
    require_admin(actor)
    e164 = normalize(number).e164
    opt_out(session, account_id=actor.account_id, e164=e164, source="admin", now=now)
    return e164


def remove_opt_out(session: Session, *, actor: User, number: str) -> str:
    """An admin removes a number from the opt-out list; its E.164 form."""
    require_admin(actor)
    e164 = normalize(number).e164
    if not opt_in(session, account_id=actor.account_id, e164=e164):
        raise NotFound(f"{e164} is not on the opt-out list", number=e164)
    return e164
