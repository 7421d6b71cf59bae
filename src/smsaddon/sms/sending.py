"""The queue's services, for workers: claim due messages, check them against the opt-outs
right before the network call, record what the gateway answered, apply delivery reports, and
handle inbound replies. Each runs in the caller's transaction, with set-based statements per
batch.

At most once to the carrier: the claim is the durable intent record. It stamps its messages
`sending` with a fresh attempt id, the attempt's number, a lease and `submitted_at`, and is
committed before the network call. A message found `sending` with its lease run out has an
unknown outcome, and it is never submitted again (the gateway is not trusted to remember
it): if its gateway ids were written while its batch went on (`note_accepted`) and the
gateway can be asked, the worker asks (`resolve`); otherwise the next claim fails it and
releases its credits. Only the holder of the attempt records the
outcome, so a slow worker whose lease ran out changes nothing. `sent` captures the hold;
`failed` and `canceled` release it.

A STOP is a barrier: the claim never hands out a message to a number opted out of its account
(it cancels it and releases its credits, in the same statement's transaction), and the worker
checks again with `opted_out_among` just before the network call.

Reports move a message forward only (`delivered`/`undelivered` over `sent`, `undelivered`
over `delivered`), so one applied twice changes nothing. A report whose message's gateway ids
are not recorded yet (or whose message is still `sending`) waits in `pending_reports` and is
applied by `match_pending`, which every worker runs at the start of each claim.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from smsaddon import credits, sql
from smsaddon.db import insert_ignoring_conflicts
from smsaddon.gateways.base import (
    Accepted,
    CarrierState,
    Inbound,
    Refused,
    StatusReport,
    SubmitResult,
)
from smsaddon.sms.models import InboundMessage, Kind, Message, Status, hold_ref
from smsaddon.sms.optouts import (
    HELP_REPLY,
    OPTED_OUT_CANCELED,
    START_REPLY,
    STOP_REPLY,
    Keyword,
    keyword_of,
    opt_in,
    opt_out,
)
from smsaddon.sms.quiet_hours import allowed, next_allowed

MAX_ATTEMPTS = 5
# How long after its submission a message of unknown outcome is still asked about; after
# that it is failed and released like one whose ids were never known.
ASK_FOR = timedelta(hours=24)
BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=10)
KEEP_PENDING_REPORTS = timedelta(days=7)
# An inbound message with a gateway id seen before, the same as the last from its number and
# within this time of it, is a redelivery (SMPP: the SMSC sends a deliver_sm again when its
# deliver_sm_resp was lost), not a new message: it is neither stored nor answered again.
REDELIVERY = timedelta(minutes=10)
UNKNOWN_OUTCOME = (
    "The outcome of the submission is unknown: the worker sending it stopped before the "
    "gateway answered. It was not resent, so that it is never sent twice, and its credits "
    "were released."
)
NOT_WITH_CARRIER = (
    "The outcome of the submission was unknown (the worker sending it stopped), and the "
    "carrier, asked, does not have the whole message. It was not resent, so that it is never "
    "sent twice, and its credits were released."
)
QUERIED_UNDELIVERED = "undeliverable, as the carrier answered when asked"
OPTED_OUT = (
    "EXISTS (SELECT 1 FROM opt_outs o WHERE o.account_id = m.account_id AND o.e164 = m.to_e164)"
)
# The queue's partial index (`status IN ('queued', 'sending')`) is for finding due messages.
# Statements on a batch's ids compare `status` through these expressions, which the planner
# cannot match to that index, so they look the ids up by primary key even when the
# statistics are stale (after a large broadcast, until the next ANALYZE, the planner takes
# the queue for small and would scan all of it for every batch).
CLAIMABLE = "status || '' IN ('queued', 'sending')"
IN_FLIGHT = "status || '' = 'sending'"
_DUE = f"""
    SELECT m.id, m.status = 'sending', m.kind = 'message' AND {OPTED_OUT}
    FROM messages m
    WHERE m.status IN ('queued', 'sending') AND m.due_at <= :now
      AND (m.status = 'queued' OR m.lease_until < :now)
    ORDER BY m.due_at, m.id LIMIT :limit
"""
DUE = {
    "sqlite": sql.Statement(_DUE),
    "postgresql": sql.Statement(_DUE + " FOR UPDATE OF m SKIP LOCKED"),
}
CLAIMED = f"""
    UPDATE messages SET status = 'sending', attempt_id = :attempt_id, claimed_by = :worker,
           lease_until = :lease_until, attempts = attempts + 1, submitted_at = :now
    WHERE id IN :keys AND {CLAIMABLE}
    RETURNING id, account_id, to_e164, body, broadcast_id, time_zones, credits, attempts,
              kind
"""
# Ends messages without sending them (opted out, unknown outcome): their holds are released.
SETTLED = f"""
    UPDATE messages SET status = :status, reason = :reason, finished_at = :now,
           lease_until = NULL
    WHERE id IN :keys AND {CLAIMABLE}
    RETURNING id, account_id, credits
"""
STOPPED_AMONG = f"""
    SELECT m.id FROM messages m WHERE m.id IN :keys AND m.kind = 'message' AND {OPTED_OUT}
"""
CANCEL_STOPPED = f"""
    UPDATE messages SET status = 'canceled', reason = :reason, finished_at = :now,
           lease_until = NULL
    WHERE id IN :keys AND attempt_id = :attempt_id AND {IN_FLIGHT} AND kind = 'message'
      AND {OPTED_OUT.replace("m.", "messages.")}
    RETURNING id, account_id, credits
"""
DEFER = f"""
    UPDATE messages SET status = 'queued', due_at = :due_at, attempt_id = NULL,
           claimed_by = NULL, lease_until = NULL, submitted_at = NULL,
           attempts = attempts - :undo, reason = :reason
    WHERE id IN :keys AND attempt_id = :attempt_id AND {IN_FLIGHT}
"""
SENT = f"""
    UPDATE messages SET status = 'sent', sent_at = :now, lease_until = NULL, reason = NULL
    WHERE id IN :keys AND attempt_id = :attempt_id AND {IN_FLIGHT}
    RETURNING id
"""
FAILED = f"""
    UPDATE messages SET status = 'failed', reason = :reason, finished_at = :now,
           lease_until = NULL
    WHERE id IN :keys AND attempt_id = :attempt_id AND {IN_FLIGHT}
    RETURNING id, account_id, credits
"""
# Reports move a message forward only; pending reports whose message is known are applied.
_FROM_PENDING = """
    FROM pending_reports p JOIN gateway_refs r ON r.gateway_id = p.gateway_id
    WHERE messages.id = r.message_id AND p.gateway_id IN :keys
"""
DELIVERED = f"""
    UPDATE messages SET status = 'delivered', finished_at = p.at, reason = NULL
    {_FROM_PENDING} AND p.status = 'delivered' AND messages.status = 'sent'
"""
UNDELIVERED = f"""
    UPDATE messages SET status = 'undelivered', finished_at = p.at, reason = p.error
    {_FROM_PENDING} AND p.status = 'undelivered' AND messages.status IN ('sent', 'delivered')
"""
MATCHED = """
    DELETE FROM pending_reports WHERE gateway_id IN :keys
      AND EXISTS (SELECT 1 FROM gateway_refs r JOIN messages m ON m.id = r.message_id
                  WHERE r.gateway_id = pending_reports.gateway_id AND m.status <> 'sending')
    RETURNING gateway_id
"""
# The best report per message (`best`: message_id, status, at, error) moves it forward.
_MOVE_FORWARD = """
    UPDATE messages m SET status = b.status, finished_at = b.at,
           reason = CASE WHEN b.status = 'undelivered' THEN b.error END
    FROM best b
    WHERE m.id = b.message_id
      AND (m.status = 'sent' OR (m.status = 'delivered' AND b.status = 'undelivered'))
    RETURNING m.id
"""
# PostgreSQL: the same in one statement, one snapshot (in READ COMMITTED each statement has
# its own: a DELETE after the UPDATEs could see gateway ids the UPDATEs did not, and forget
# reports never applied). SQLite runs one writer at a time, so its three statements agree.
APPLY_PENDING_PG = sql.Statement(f"""
    WITH gone AS (
        DELETE FROM pending_reports p USING gateway_refs r, messages m
        WHERE r.gateway_id = p.gateway_id AND p.gateway_id = ANY(:keys)
          AND m.id = r.message_id AND m.status <> 'sending'
        RETURNING r.message_id, p.status, p.at, p.error
    ), best AS (
        SELECT DISTINCT ON (message_id) message_id, status, at, error FROM gone
        ORDER BY message_id, status = 'undelivered' DESC, at
    )
    {_MOVE_FORWARD}
""")
# PostgreSQL: reports applied in one statement: those of known messages moved forward, the
# rest stored to wait (a message is known once its outcome is recorded: ids written while its
# batch was still being submitted do not make it known). Each report's id is looked up on its
# own (LATERAL ... LIMIT 1: gateway ids are unique), never by a join the planner may make a
# scan of every id ever given.
APPLY_REPORTS_PG = sql.Statement(f"""
    WITH incoming (gateway_id, status, at, error) AS (
        SELECT * FROM unnest(CAST(:ids AS VARCHAR[]), CAST(:statuses AS VARCHAR[]),
                             CAST(:ats AS TIMESTAMPTZ[]), CAST(:errors AS VARCHAR[]))
    ), known AS (
        SELECT f.message_id, i.* FROM incoming i CROSS JOIN LATERAL (
            SELECT r.message_id FROM gateway_refs r
            JOIN messages m ON m.id = r.message_id AND m.status <> 'sending'
            WHERE r.gateway_id = i.gateway_id LIMIT 1
        ) f
    ), best AS (
        SELECT DISTINCT ON (message_id) message_id, status, at, error FROM known
        ORDER BY message_id, status = 'undelivered' DESC, at
    ), waiting AS (
        INSERT INTO pending_reports (gateway_id, status, at, error, received_at)
        SELECT i.gateway_id, i.status, i.at, i.error, :now FROM incoming i
        WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.gateway_id = i.gateway_id)
        ON CONFLICT DO NOTHING
    )
    {_MOVE_FORWARD}
""")
# Pending reports whose message became known (matched by `match_pending`).
MATCHABLE = sql.Statement("""
    SELECT p.gateway_id FROM pending_reports p
    JOIN gateway_refs r ON r.gateway_id = p.gateway_id
    JOIN messages m ON m.id = r.message_id AND m.status <> 'sending' LIMIT 1000
""")
# The ids of messages of unknown outcome still worth asking about (submitted since :since).
REFS_OF = """
    SELECT r.message_id, r.gateway_id FROM gateway_refs r JOIN messages m ON m.id = r.message_id
    WHERE r.message_id IN :keys AND m.submitted_at >= :since
"""
# A message whose outcome is unknown and whose ids are known goes to this worker to resolve.
RESUMED = f"""
    UPDATE messages SET attempt_id = :attempt_id, claimed_by = :worker,
           lease_until = :lease_until
    WHERE id IN :keys AND {IN_FLIGHT}
    RETURNING id, account_id, to_e164, body, broadcast_id, time_zones, credits, attempts,
              kind
"""
REF_COLUMNS = ("gateway_id", "message_id")
FORGET_PENDING = sql.Statement("DELETE FROM pending_reports WHERE received_at < :before")
REPORT_COLUMNS = ("gateway_id", "status", "at", "error", "received_at")


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

    @property
    def key(self) -> str:
        return f"m{self.id}"


@dataclass(frozen=True, slots=True)
class Claim:
    messages: list[Claimed]
    settled: int  # ended without sending (opted out, unknown outcome), or reports matched
    # Outcome unknown, ids known: to ask the carrier about (`resolve`), never to submit.
    unresolved: list[tuple[Claimed, tuple[str, ...]]] = field(default_factory=list)


def claim(
    session: Session,
    *,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    resolve: bool = False,
) -> Claim:
    """Claim up to `limit` due messages for a submission starting now (`FOR UPDATE SKIP
    LOCKED` on PostgreSQL, so workers never wait on each other; SQLite's write lock serializes
    claims). The statement that picks them also tells, of each, whether its number opted out
    of its account (then it is canceled, not handed out) and whether an earlier attempt's
    lease ran out (then it is failed: its outcome is unknown); both are released. Messages
    outside quiet hours now go back to wait for their next allowed time. Reports that waited
    for their message are matched first (`match_pending`).

    With `resolve` (the gateway can be asked about its ids), a message of unknown outcome
    whose gateway ids were written (`note_accepted`) is not failed: it comes back in
    `unresolved`, under a new attempt and lease, for `resolve`."""
    conn = sql.connection(session)
    matched = match_pending(session)
    due = sql.rows(conn, DUE[conn.dialect.name], now=now, limit=limit)
    if not due:
        return Claim([], matched)
    unknown = [mid for mid, resumed, _ in due if resumed]  # the carrier may have it
    opted_out = [mid for mid, resumed, out in due if out and not resumed]
    settled = matched + _settle(conn, opted_out, Status.CANCELED, OPTED_OUT_CANCELED, now)
    attempt_id = str(uuid.uuid4())
    stamp = {"attempt_id": attempt_id, "worker": worker, "lease_until": now + lease}
    unresolved = _unresolved(conn, unknown, stamp, now) if resolve and unknown else []
    asked = {message.id for message, _ in unresolved}
    failed = [mid for mid in unknown if mid not in asked]
    settled += _settle(conn, failed, Status.FAILED, UNKNOWN_OUTCOME, now)
    fresh = [mid for mid, resumed, out in due if not resumed and not out]
    if not fresh:
        return Claim([], settled, unresolved)
    rows = sql.rows_in(conn, CLAIMED, fresh, now=now, **stamp)
    claimed: list[Claimed] = []
    waiting: dict[str, list[Claimed]] = {}  # outside quiet hours, by their time zones
    inside: dict[str, bool] = {}  # quiet hours, once per set of time zones (a broadcast: one)
    for message, kind in _claimed(conn, rows, attempt_id):
        zones = message.time_zones
        if zones not in inside:
            inside[zones] = allowed(now, zones)
        if kind == Kind.MESSAGE and not inside[zones]:
            waiting.setdefault(zones, []).append(message)
        else:
            claimed.append(message)
    for zones, later in waiting.items():
        _defer(conn, later, next_allowed(now, zones), undo=1)
    claimed.sort(key=lambda c: c.id)
    return Claim(claimed, settled, unresolved)


def _claimed(
    conn: Connection, rows: Sequence[sql.Row], attempt_id: str
) -> list[tuple[Claimed, str]]:
    """(message, kind) of each row of CLAIMED or RESUMED."""
    bodies = _broadcast_bodies(conn, {row[4] for row in rows if row[3] is None})
    return [
        (
            Claimed(
                id=mid,
                account_id=account_id,
                to=to,
                body=body if body is not None else bodies[broadcast_id],
                credits=cost,
                attempts=attempts,
                attempt_id=attempt_id,
                time_zones=zones or "",
            ),
            kind,
        )
        for mid, account_id, to, body, broadcast_id, zones, cost, attempts, kind in rows
    ]


def _unresolved(
    conn: Connection, unknown: list[int], stamp: dict[str, object], now: datetime
) -> list[tuple[Claimed, tuple[str, ...]]]:
    """Of messages of unknown outcome, those whose gateway ids were written and that were
    submitted less than ASK_FOR ago, taken over under a new attempt, with their ids."""
    ids: dict[int, list[str]] = {}
    for mid, gateway_id in sql.rows_in(conn, REFS_OF, unknown, since=now - ASK_FOR):
        ids.setdefault(mid, []).append(gateway_id)
    if not ids:
        return []
    rows = sql.rows_in(conn, RESUMED, sorted(ids), **stamp)
    found = _claimed(conn, rows, str(stamp["attempt_id"]))
    return [(message, tuple(sorted(ids[message.id]))) for message, _ in found]


def _settle(conn: Connection, ids: list[int], status: Status, reason: str, now: datetime) -> int:
    if not ids:
        return 0
    ended = sql.rows_in(conn, SETTLED, ids, status=status.value, reason=reason, now=now)
    _release(conn, ended, now)
    return len(ended)


def _release(conn: Connection, ended: Sequence[sql.Row], now: datetime) -> None:
    """Release the holds of messages ended unsent, given as (id, account id, credits)."""
    holds = [(account_id, hold_ref(mid)) for mid, account_id, cost in ended if cost]
    if holds:
        credits.release_many(conn, holds=holds, now=now)


def _broadcast_bodies(conn: Connection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = sql.rows_in(conn, "SELECT id, body FROM broadcasts WHERE id IN :keys", list(ids))
    return {row[0]: row[1] for row in found}


def opted_out_among(session: Session, *, messages: Sequence[Claimed]) -> set[int]:
    """Of claimed `messages`, those whose number opted out of the account since the claim
    (checked right before the network call; `record` cancels them)."""
    if not messages:
        return set()
    conn = sql.connection(session)
    return {mid for (mid,) in sql.rows_in(conn, STOPPED_AMONG, [m.id for m in messages])}


def _by_attempt(messages: Sequence[Claimed]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for message in messages:
        groups.setdefault(message.attempt_id, []).append(message.id)
    return groups


def record(
    session: Session,
    *,
    results: Sequence[tuple[Claimed, SubmitResult]],
    now: datetime,
    stopped: Sequence[Claimed] = (),
) -> None:
    """Record what the gateway answered for each message: sent (capture), retry later
    (backoff, quiet hours kept) or failed (release); `stopped` (opted out before the network
    call, not submitted) are canceled (release). Only the attempt that claimed a message
    records it; reports that came before its gateway ids wait for `match_pending`."""
    conn = sql.connection(session)
    for attempt_id, ids in _by_attempt(stopped).items():
        canceled = sql.rows_in(
            conn, CANCEL_STOPPED, ids, attempt_id=attempt_id, reason=OPTED_OUT_CANCELED, now=now
        )
        _release(conn, canceled, now)
    accepted: dict[str, dict[int, tuple[Claimed, Accepted]]] = {}
    failed: dict[tuple[str, str], list[int]] = {}
    for message, result in results:
        if isinstance(result, Accepted):
            accepted.setdefault(message.attempt_id, {})[message.id] = (message, result)
        elif result.retry_after is not None:  # nothing was tried: the attempt does not count
            due = next_allowed(now + timedelta(seconds=result.retry_after), message.time_zones)
            _defer(conn, [message], due, undo=1, reason=result.reason)
        elif result.retryable and message.attempts < MAX_ATTEMPTS:
            delay = min(BACKOFF * 2 ** (message.attempts - 1), MAX_BACKOFF)
            due = next_allowed(now + delay, message.time_zones)
            _defer(conn, [message], due, undo=0, reason=result.reason)
        else:
            failed.setdefault((message.attempt_id, result.reason[:300]), []).append(message.id)
    for (attempt_id, reason), ids in failed.items():
        _release(
            conn, sql.rows_in(conn, FAILED, ids, attempt_id=attempt_id, reason=reason, now=now), now
        )
    for attempt_id, by_id in accepted.items():
        sent = [
            mid for (mid,) in sql.rows_in(conn, SENT, list(by_id), attempt_id=attempt_id, now=now)
        ]
        refs = [(gid, mid) for mid in sent for gid in by_id[mid][1].gateway_ids]
        sql.insert_many(conn, "gateway_refs", REF_COLUMNS, refs, suffix="ON CONFLICT DO NOTHING")
        holds = [(by_id[mid][0].account_id, hold_ref(mid)) for mid in sent if by_id[mid][0].credits]
        if holds:
            credits.capture_many(conn, holds=holds, now=now)


def note_accepted(session: Session, *, accepted: Sequence[tuple[int, Accepted]]) -> None:
    """Write the gateway ids of messages (by id) the gateway accepted while their batch is
    still being submitted: the message stays `sending`, and if its worker stops before
    recording the batch, the claim that finds it can ask the carrier (`resolve`)."""
    refs = [(gid, mid) for mid, answer in accepted for gid in answer.gateway_ids]
    sql.insert_many(
        sql.connection(session), "gateway_refs", REF_COLUMNS, refs, suffix="ON CONFLICT DO NOTHING"
    )


def resolve(
    session: Session,
    *,
    found: Sequence[tuple[Claimed, dict[str, CarrierState]]],
    now: datetime,
) -> None:
    """Record what the carrier said, when asked, of messages whose outcome was unknown: one
    whose every part it has was submitted (`sent`, captured; a final state it told is applied
    as a report); any other failed and released. Never resubmitted."""
    results: list[tuple[Claimed, SubmitResult]] = []
    reports: list[StatusReport] = []
    for message, states in found:
        if states and "unknown" not in states.values():
            results.append((message, Accepted(message.key, tuple(states))))
            for gateway_id, state in states.items():
                if state == "delivered":
                    reports.append(StatusReport(gateway_id, state, now))
                elif state == "undelivered":
                    reports.append(StatusReport(gateway_id, state, now, QUERIED_UNDELIVERED))
        else:
            results.append((message, Refused(message.key, NOT_WITH_CARRIER, retryable=False)))
    record(session, results=results, now=now)
    apply_reports(session, reports=reports, now=now)


def _defer(
    conn: Connection,
    messages: Sequence[Claimed],
    due_at: datetime,
    *,
    undo: int,
    reason: str | None = None,
) -> None:
    """Put claimed messages back in the queue until `due_at`, with why they wait."""
    for attempt_id, ids in _by_attempt(messages).items():
        sql.rows_in(
            conn,
            DEFER,
            ids,
            attempt_id=attempt_id,
            due_at=due_at,
            undo=undo,
            reason=None if reason is None else reason[:300],
        )


def apply_reports(session: Session, *, reports: Sequence[StatusReport], now: datetime) -> int:
    """Apply delivery reports; those whose message is not known yet wait in
    `pending_reports` until its gateway ids are recorded (`match_pending`), or for a week
    (`forget_pending`). How many messages moved."""
    if not reports:
        return 0
    conn = sql.connection(session)
    rows = {
        (r.gateway_id, r.status): (r.gateway_id, r.status, r.at, (r.error or "")[:300] or None, now)
        for r in reports
    }
    if conn.dialect.name == "postgresql":
        ids, statuses, ats, errors, _ = zip(*rows.values(), strict=True)
        moved = sql.rows(
            conn,
            APPLY_REPORTS_PG,
            ids=list(ids),
            statuses=list(statuses),
            ats=list(ats),
            errors=list(errors),
            now=now,
        )
        return len(moved)
    sql.insert_many(
        conn,
        "pending_reports",
        REPORT_COLUMNS,
        list(rows.values()),
        suffix="ON CONFLICT DO NOTHING",
    )
    return _apply_pending(conn, list({r.gateway_id for r in reports}))


def forget_pending(session: Session, *, now: datetime) -> int:
    """Forget reports that waited a week for a message never recorded (its submission's
    outcome was unknown); how many."""
    return sql.write(sql.connection(session), FORGET_PENDING, before=now - KEEP_PENDING_REPORTS)


def match_pending(session: Session) -> int:
    """Apply the pending reports whose message's gateway ids are recorded now; how many.

    A report stored while another transaction records its message's ids (neither sees the
    other's rows) is matched by the next call, in a transaction begun after both committed:
    every worker makes one at the start of each claim."""
    conn = sql.connection(session)
    found = [gid for (gid,) in sql.rows(conn, MATCHABLE)]
    return _apply_pending(conn, found) if found else 0


def _apply_pending(conn: Connection, gateway_ids: list[str]) -> int:
    """Apply the pending reports of `gateway_ids` whose message is known, then forget them;
    how many messages moved."""
    if conn.dialect.name == "postgresql":
        return len(sql.rows(conn, APPLY_PENDING_PG, keys=gateway_ids))
    sql.rows_in(conn, DELIVERED, gateway_ids)
    sql.rows_in(conn, UNDELIVERED, gateway_ids)
    return len(sql.rows_in(conn, MATCHED, gateway_ids))


def receive(session: Session, *, inbound: Inbound, now: datetime) -> InboundMessage | None:
    """Record an inbound message and act on its keyword: STOP and friends opt the number out
    of the account that messaged it (STOPALL: of every account), START and friends opt it
    back in, HELP and INFO get the help text; each answered with a free confirmation.
    None when this inbound message was received before."""
    found = keyword_of(inbound.body)
    accounts = _senders(
        session, inbound.from_e164, every=found is not None and found[1] == "STOPALL"
    )
    row = {
        "account_id": accounts[0] if accounts else None,
        "gateway_id": inbound.gateway_id,
        "from_e164": inbound.from_e164,
        "to": inbound.to,
        "body": inbound.body,
        "keyword": found[1] if found else None,
        "received_at": inbound.at,
    }
    table = InboundMessage.__table__
    inbound_id = session.scalar(
        insert_ignoring_conflicts(session, table).values(row).returning(InboundMessage.id)
    )
    if inbound_id is None:
        if _redelivered(session, inbound):
            return None
        # The same text from the same number again, after another or long after: a new one.
        row["gateway_id"] = f"{inbound.gateway_id}@{round(inbound.at.timestamp() * 1000)}"
        inbound_id = session.scalar(
            insert_ignoring_conflicts(session, table).values(row).returning(InboundMessage.id)
        )
        if inbound_id is None:
            return None
    if found is not None:
        for account_id in accounts:
            _act(session, account_id, inbound.from_e164, found, now)
    return session.get(InboundMessage, inbound_id)


def _redelivered(session: Session, inbound: Inbound) -> bool:
    """Whether `inbound`, whose gateway id was received before, is that message again: with
    the gateway's own time of it, or the last message from its number, the same text to the
    same number, received within `REDELIVERY` of it."""
    first = session.scalar(
        select(InboundMessage.received_at).where(InboundMessage.gateway_id == inbound.gateway_id)
    )
    if first is None or first == inbound.at:
        return True
    last = session.execute(
        select(InboundMessage.to, InboundMessage.body, InboundMessage.received_at)
        .where(InboundMessage.from_e164 == inbound.from_e164)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(1)
    ).one_or_none()
    if last is None or (last.to, last.body) != (inbound.to, inbound.body):
        return False
    received: datetime = last.received_at
    return abs(inbound.at - received) <= REDELIVERY


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
