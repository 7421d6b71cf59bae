"""The queue's services, for workers: claim due messages, record what the gateway answered,
apply delivery reports, and handle inbound replies. Each runs in the caller's transaction.

A claim stamps its messages `sending` with a fresh attempt id and a lease; only that attempt
may record their outcome (a conditional update on it), so a slow worker whose lease ran out
and was reclaimed changes nothing. `sent` captures the hold; `failed` releases it. Reports
move a message forward only (`delivered`/`undelivered` over `sent`, `undelivered` over
`delivered`): a late or repeated report never moves it back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from smsaddon import credits
from smsaddon.credits import sql
from smsaddon.db import insert_ignoring_conflicts
from smsaddon.gateways.base import Accepted, Inbound, Refused, StatusReport, SubmitResult
from smsaddon.sms.messages import ref
from smsaddon.sms.models import InboundMessage, Kind, Message, Status
from smsaddon.sms.optouts import (
    HELP_REPLY,
    START_REPLY,
    STOP_REPLY,
    Keyword,
    keyword_of,
    opt_in,
    opt_out,
)
from smsaddon.sms.quiet_hours import allowed, next_allowed

MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=10)
UNKNOWN_OUTCOME = (
    "The worker stopped while submitting and the gateway cannot tell whether it took the "
    "message; it was not resent, to never send it twice."
)

_DUE = """
    SELECT id, status FROM messages
    WHERE status IN ('queued', 'sending') AND due_at <= :now
      AND (status = 'queued' OR lease_until < :now)
    ORDER BY due_at, id LIMIT :limit {skip_locked}
"""
DUE = {
    "sqlite": sql.Statement(_DUE.replace("{skip_locked}", "")),
    "postgresql": sql.Statement(_DUE.replace("{skip_locked}", "FOR UPDATE SKIP LOCKED")),
}
CLAIMED = """
    UPDATE messages SET status = 'sending', attempt_id = :attempt_id, claimed_by = :worker,
           lease_until = :lease_until, attempts = attempts + 1
    WHERE id IN ({ids}) AND status IN ('queued', 'sending')
    RETURNING id, account_id, to_e164, body, broadcast_id, time_zones, credits, attempts,
              kind
"""
DEFER = sql.Statement("""
    UPDATE messages SET status = 'queued', due_at = :due_at, attempt_id = NULL,
           claimed_by = NULL, lease_until = NULL, attempts = attempts - :undo
    WHERE id = :id AND attempt_id = :attempt_id AND status = 'sending'
""")
SENT_MANY = """
    UPDATE messages SET status = 'sent', sent_at = :now, lease_until = NULL
    WHERE id IN :keys AND attempt_id = :attempt_id AND status = 'sending'
    RETURNING id
"""
FAILED = sql.Statement("""
    UPDATE messages SET status = 'failed', reason = :reason, finished_at = :now,
           lease_until = NULL
    WHERE id = :id AND attempt_id = :attempt_id AND status = 'sending'
""")
# A report moves a message forward only.
REPORT = sql.Statement("""
    UPDATE messages SET status = :status, finished_at = :at, reason = :reason
    WHERE id IN :keys AND status IN ({from_statuses})
    RETURNING id
""")
FROM_STATUSES = {"delivered": "'sent'", "undelivered": "'sent', 'delivered'"}


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    account_id: int
    to: str
    body: str
    credits: int
    attempts: int
    attempt_id: str
    time_zones: str
    reclaimed: bool  # its previous attempt's worker stopped: the outcome of that is unknown

    @property
    def key(self) -> str:
        return f"m{self.id}"


def claim(
    session: Session, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[Claimed]:
    """Claim up to `limit` due messages (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers
    never wait on each other; SQLite's write lock serializes claims). Messages outside quiet
    hours now go back to wait for their next allowed time."""
    conn = sql.connection(session)
    due = sql.rows(conn, DUE[conn.dialect.name], now=now, limit=limit)
    if not due:
        return []
    previous = {row[0]: row[1] for row in due}
    attempt_id = str(uuid.uuid4())
    ids = {f"id{n}": mid for n, mid in enumerate(previous)}
    statement = sql.Statement(CLAIMED.format(ids=", ".join(f":{name}" for name in ids)))
    rows = sql.rows(
        conn, statement, attempt_id=attempt_id, worker=worker, lease_until=now + lease, **ids
    )
    bodies = _broadcast_bodies(conn, {row[4] for row in rows if row[3] is None})
    claimed: list[Claimed] = []
    deferred = []
    for mid, account_id, to, body, broadcast_id, zones, cost, attempts, kind in rows:
        if kind == Kind.MESSAGE and not allowed(now, zones):
            deferred.append(
                {"id": mid, "attempt_id": attempt_id, "due_at": next_allowed(now, zones), "undo": 1}
            )
            continue
        claimed.append(
            Claimed(
                id=mid,
                account_id=account_id,
                to=to,
                body=body if body is not None else bodies[broadcast_id],
                credits=cost,
                attempts=attempts,
                attempt_id=attempt_id,
                time_zones=zones or "",
                reclaimed=previous[mid] == Status.SENDING.value,
            )
        )
    _write_many(conn, DEFER, deferred)
    claimed.sort(key=lambda c: c.id)
    return claimed


def _broadcast_bodies(conn: Connection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = sql.rows_in(conn, "SELECT id, body FROM broadcasts WHERE id IN :keys", list(ids))
    return {row[0]: row[1] for row in found}


def record(
    session: Session, *, results: Sequence[tuple[Claimed, SubmitResult]], now: datetime
) -> None:
    """Record what the gateway answered for each claimed message: sent (capture), retry
    later (backoff, quiet hours kept) or failed (release)."""
    conn = sql.connection(session)
    accepted: dict[str, dict[int, tuple[Claimed, Accepted]]] = {}
    released: list[tuple[int, str]] = []
    for message, result in results:
        if isinstance(result, Accepted):
            accepted.setdefault(message.attempt_id, {})[message.id] = (message, result)
        elif result.retryable and message.attempts < MAX_ATTEMPTS:
            retry(conn, message, now=now)
        elif fail(conn, message, reason=result.reason, now=now) and message.credits:
            released.append((message.account_id, ref(message.id)))
    if released:
        credits.release_many(conn, holds=released, now=now)
    for attempt_id, by_id in accepted.items():
        sent = sql.rows_in(conn, SENT_MANY, list(by_id), attempt_id=attempt_id, now=now)
        pairs = [(gid, mid) for (mid,) in sent for gid in by_id[mid][1].gateway_ids]
        sql.insert_many(conn, "gateway_refs", ("gateway_id", "message_id"), pairs)
        holds = [(by_id[mid][0].account_id, ref(mid)) for (mid,) in sent if by_id[mid][0].credits]
        if holds:
            credits.capture_many(conn, holds=holds, now=now)


def retry(conn: Connection, message: Claimed, *, now: datetime) -> None:
    delay = min(BACKOFF * 2 ** (message.attempts - 1), MAX_BACKOFF)
    sql.write(
        conn,
        DEFER,
        id=message.id,
        attempt_id=message.attempt_id,
        due_at=next_allowed(now + delay, message.time_zones),
        undo=0,
    )


def fail(conn: Connection, message: Claimed, *, reason: str, now: datetime) -> bool:
    """Mark the message failed (its hold is for the caller to release); whether it was."""
    return bool(
        sql.write(
            conn, FAILED, id=message.id, attempt_id=message.attempt_id, reason=reason[:300], now=now
        )
    )


def _write_many(
    conn: Connection, statement: sql.Statement, params: Sequence[dict[str, Any]]
) -> None:
    for values in params:
        sql.write(conn, statement, **values)


def unknown_outcome(message: Claimed) -> Refused:
    return Refused(message.key, UNKNOWN_OUTCOME, retryable=False)


def apply_reports(session: Session, *, reports: Sequence[StatusReport]) -> list[StatusReport]:
    """Apply delivery reports; those whose message is not known (yet) are given back."""
    if not reports:
        return []
    conn = sql.connection(session)
    wanted = list({r.gateway_id for r in reports})
    query = "SELECT gateway_id, message_id FROM gateway_refs WHERE gateway_id IN :keys"
    known: dict[str, int] = {row[0]: row[1] for row in sql.rows_in(conn, query, wanted)}
    groups: dict[tuple[str, datetime, str | None], list[int]] = {}
    for r in reports:
        if r.gateway_id in known:
            reason = (r.error or "")[:300] or None
            groups.setdefault((r.status, r.at, reason), []).append(known[r.gateway_id])
    for (status, at, reason), ids in groups.items():
        text = REPORT.text.replace("{from_statuses}", FROM_STATUSES[status])
        sql.rows_in(conn, text, ids, status=status, at=at, reason=reason)
    unmatched = [r for r in reports if r.gateway_id not in known]
    return unmatched


def receive(session: Session, *, inbound: Inbound, now: datetime) -> InboundMessage | None:
    """Record an inbound message and act on its keyword: STOP and friends opt the number out
    of the account that messaged it (STOPALL: of every account), START and friends opt it
    back in, HELP and INFO get the help text; each answered with a free confirmation.
    None when this inbound message was received before."""
    found = keyword_of(inbound.body)
    accounts = _senders(
        session, inbound.from_e164, every=found is not None and found[1] == "STOPALL"
    )
    statement = (
        insert_ignoring_conflicts(session, InboundMessage.__table__)
        .values(
            account_id=accounts[0] if accounts else None,
            gateway_id=inbound.gateway_id,
            from_e164=inbound.from_e164,
            to=inbound.to,
            body=inbound.body,
            keyword=found[1] if found else None,
            received_at=inbound.at,
        )
        .returning(InboundMessage.id)
    )
    inbound_id = session.scalar(statement)
    if inbound_id is None:
        return None
    if found is not None:
        for account_id in accounts:
            _act(session, account_id, inbound.from_e164, found, now)
    return session.get(InboundMessage, inbound_id)


def _senders(session: Session, e164: str, *, every: bool) -> list[int]:
    """The account that last messaged the number (or, with `every`, each that did)."""
    query = (
        select(Message.account_id, func.max(Message.id).label("last"))
        .where(Message.to_e164 == e164, Message.kind == Kind.MESSAGE)
        .group_by(Message.account_id)
        .order_by(func.max(Message.id).desc())
    )
    found = [row[0] for row in session.execute(query)]
    return found if every else found[:1]


def _act(
    session: Session, account_id: int, e164: str, found: tuple[Keyword, str], now: datetime
) -> None:
    keyword, word = found
    if keyword == Keyword.STOP:
        opt_out(session, account_id=account_id, e164=e164, source="reply", now=now, keyword=word)
        text = STOP_REPLY
    elif keyword == Keyword.START:
        opt_in(session, account_id=account_id, e164=e164)
        text = START_REPLY
    else:
        text = HELP_REPLY
    last = session.scalar(
        select(Message)
        .where(Message.account_id == account_id, Message.to_e164 == e164)
        .order_by(Message.id.desc())
        .limit(1)
    )
    if last is None:
        return
    session.add(
        Message(
            account_id=account_id,
            kind=Kind.REPLY,
            to_e164=e164,
            region=last.region,
            time_zones=last.time_zones,
            body=text,
            encoding="GSM-7",
            segments=1,
            credits=0,
            catalog_version=last.catalog_version,
            status=Status.QUEUED,
            due_at=now,
            attempts=0,
            created_at=now,
        )
    )
    session.flush()
