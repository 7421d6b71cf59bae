"""Accepting messages: one number or a whole list, priced, checked and held.

Every refusal comes before any credit is touched: an empty text or one over the segment cap,
an invalid number, an unsupported country, the add-on not active, a US number without an
approved 10DLC campaign. A message to an opted-out number is recorded as `blocked` (free).
An accepted message is queued with its hold in the caller's transaction (ref = "msg:<id>");
a broadcast holds all its credits in one `credits.hold_many`, all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from smsaddon import credits, sql
from smsaddon.accounts import User
from smsaddon.billing.subscriptions import get_subscription, terms_from
from smsaddon.catalog import Catalog
from smsaddon.compliance import require_us_registration as require_registration
from smsaddon.compliance.registration import is_us_region
from smsaddon.errors import (
    AddonRequired,
    Conflict,
    NotFound,
    RegistrationRequired,
    ValidationFailed,
)
from smsaddon.phones import PhoneNumber, normalize, normalize_many
from smsaddon.segments import count_segments
from smsaddon.sms import pricing
from smsaddon.sms.contacts import get_list
from smsaddon.sms.models import (
    Broadcast,
    Contact,
    ContactListMember,
    Kind,
    Message,
    Status,
    hold_ref,
)
from smsaddon.sms.optouts import is_opted_out
from smsaddon.sms.pricing import Estimate, rate_for
from smsaddon.sms.quiet_hours import next_allowed, time_zones_for
from smsaddon.text import checked

OPTED_OUT = "The recipient opted out (replied STOP): nothing was sent or charged."
LIST_GROUPS = sql.Statement("""
    SELECT c.region, c.time_zones FROM contacts c
    JOIN contact_list_members m ON m.contact_id = c.id
    WHERE m.list_id = :list_id GROUP BY c.region, c.time_zones
""")
# One row per contact of the list; `rates` (region, credits, why refused) and `zones`
# (time zones, due at) are VALUES lists filled in per broadcast.
INSERT_BROADCAST = """
    WITH rates (region, credits, reason) AS (VALUES {rates}),
         zones (time_zones, due_at) AS (VALUES {zones})
    INSERT INTO messages (account_id, user_id, broadcast_id, kind, to_e164, region,
                          time_zones, encoding, segments, credits, catalog_version, status,
                          reason, due_at, attempts, created_at, finished_at)
    SELECT :account_id, :user_id, :broadcast_id, 'message', c.e164, c.region, c.time_zones,
           :encoding, :segments,
           CASE WHEN r.reason IS NULL AND o.id IS NULL THEN r.credits ELSE 0 END,
           :catalog_version,
           CASE WHEN r.reason IS NULL AND o.id IS NULL THEN 'queued' ELSE 'blocked' END,
           COALESCE(r.reason, CASE WHEN o.id IS NOT NULL THEN :opted_out END),
           z.due_at, 0, :now,
           CASE WHEN r.reason IS NULL AND o.id IS NULL THEN NULL ELSE :now END
    FROM contact_list_members m
    JOIN contacts c ON c.id = m.contact_id
    JOIN rates r ON r.region = c.region
    JOIN zones z ON z.time_zones = c.time_zones
    LEFT JOIN opt_outs o ON o.account_id = :account_id AND o.e164 = c.e164
    WHERE m.list_id = :list_id
    RETURNING id, credits, status, reason
"""


@dataclass(frozen=True)
class BroadcastResult:
    broadcast: Broadcast
    queued: int
    blocked: dict[str, int]  # reason -> recipients
    credits: int


OPTED_OUT_AMONG = """
    SELECT e164 FROM opt_outs WHERE account_id = :account_id AND e164 IN :keys
"""


def estimate(
    session: Session,
    *,
    account_id: int,
    catalog: Catalog,
    text: str,
    recipients: Sequence[str],
    default_region: str | None = None,
) -> Estimate:
    """What sending `text` to `recipients` holds: the account's opt-outs and 10DLC
    registration applied as the send applies them (every surface's estimate is this)."""
    text = checked(text, field="text", text=True)
    valid = [
        n.e164
        for n in normalize_many(recipients, default_region=default_region)
        if isinstance(n, PhoneNumber)
    ]
    conn = sql.connection(session)
    opted_out = {row[0] for row in sql.rows_in(conn, OPTED_OUT_AMONG, valid, account_id=account_id)}
    try:
        require_registration(session, account_id=account_id, region="US")
        registered = True
    except RegistrationRequired:
        registered = False
    return pricing.estimate(
        catalog,
        text,
        recipients,
        default_region=default_region,
        unregistered=lambda region: not registered and is_us_region(region),
        opted_out=opted_out,
    )


def list_numbers(session: Session, *, account_id: int, list_name: str) -> list[str]:
    """The numbers of a contact list (what a broadcast to it sends to)."""
    found = get_list(session, account_id=account_id, name=list_name)
    query = (
        select(Contact.e164)
        .join(ContactListMember, ContactListMember.contact_id == Contact.id)
        .where(ContactListMember.list_id == found.id)
    )
    return list(session.scalars(query))


def require_addon(session: Session, *, account_id: int, now: datetime) -> None:
    sub = get_subscription(session, account_id)
    if not terms_from(sub, now).sms_addon:
        raise AddonRequired(
            "Sending SMS needs the SMS add-on. Buy it on the Billing & Upgrade page.",
            where="/billing",
        )


def send_message(
    session: Session,
    *,
    actor: User,
    to: str,
    body: str,
    catalog: Catalog,
    now: datetime,
    send_at: datetime | None = None,
    default_region: str | None = None,
) -> Message:
    """Accept one message: queued with its hold, or blocked (opted out, free)."""
    body = checked(body, field="text", text=True)
    count = count_segments(body, segment_cap=catalog.sms_addon.segment_cap)
    phone = normalize(to, default_region=default_region)
    country = rate_for(catalog, phone.region)
    require_addon(session, account_id=actor.account_id, now=now)
    require_registration(session, account_id=actor.account_id, region=phone.region)
    zones = time_zones_for(phone.e164)
    message = Message(
        account_id=actor.account_id,
        user_id=actor.id,
        kind=Kind.MESSAGE,
        to_e164=phone.e164,
        region=phone.region,
        time_zones=zones,
        body=body,
        encoding=count.encoding,
        segments=count.segments,
        credits=count.segments * country.credits_per_segment,
        catalog_version=catalog.version,
        status=Status.QUEUED,
        due_at=next_allowed(_start(send_at, now), zones),
        attempts=0,
        created_at=now,
    )
    if is_opted_out(session, account_id=actor.account_id, e164=phone.e164):
        message.status, message.reason, message.credits = Status.BLOCKED, OPTED_OUT, 0
        message.finished_at = now
    session.add(message)
    session.flush()
    if message.status == Status.QUEUED:
        credits.hold(
            session,
            account_id=actor.account_id,
            credits=message.credits,
            ref=hold_ref(message.id),
            now=now,
        )
    return message


def send_broadcast(
    session: Session,
    *,
    actor: User,
    list_name: str,
    body: str,
    catalog: Catalog,
    now: datetime,
    send_at: datetime | None = None,
) -> BroadcastResult:
    """Accept a message to every contact of a list: each recipient queued with its hold (all
    held in one statement, or none: InsufficientCredits says needed and available), or
    blocked with its reason (opted out, unsupported country, 10DLC registration).

    The messages are written by one INSERT ... SELECT over the list: the price and refusal
    per region and the quiet-hours start per set of time zones are worked out once each and
    joined in."""
    body = checked(body, field="text", text=True)
    count = count_segments(body, segment_cap=catalog.sms_addon.segment_cap)
    account_id = actor.account_id
    require_addon(session, account_id=account_id, now=now)
    found = get_list(session, account_id=account_id, name=list_name)
    start = _start(send_at, now)
    broadcast = Broadcast(
        account_id=account_id,
        user_id=actor.id,
        list_id=found.id,
        body=body,
        encoding=count.encoding,
        segments=count.segments,
        queued=0,
        blocked=0,
        credits=0,
        catalog_version=catalog.version,
        send_at=start,
        created_at=now,
    )
    session.add(broadcast)
    session.flush()
    conn = sql.connection(session)
    groups = sql.rows(conn, LIST_GROUPS, list_id=found.id)
    if not groups:
        raise ValidationFailed(f"the list {found.name!r} has no contacts", list=found.name)
    params: dict[str, Any] = {
        "account_id": account_id,
        "user_id": actor.id,
        "broadcast_id": broadcast.id,
        "list_id": found.id,
        "encoding": count.encoding,
        "segments": count.segments,
        "catalog_version": catalog.version,
        "now": now,
        "opted_out": OPTED_OUT,
    }
    regions, zones = sorted({g[0] for g in groups}), sorted({g[1] for g in groups})
    for i, region in enumerate(regions):
        cost, reason = _rate(session, catalog, account_id, region, count.segments)
        params |= {f"r{i}": region, f"c{i}": cost, f"w{i}": reason}
    for i, zone in enumerate(zones):
        params |= {f"z{i}": zone, f"d{i}": next_allowed(start, zone)}
    statement = sql.Statement(
        INSERT_BROADCAST.replace(
            "{rates}",
            ", ".join(
                f"(:r{i}, CAST(:c{i} AS INTEGER), CAST(:w{i} AS VARCHAR(300)))"
                for i in range(len(regions))
            ),
        ).replace("{zones}", ", ".join(f"(:z{i}, :d{i})" for i in range(len(zones))))
    )
    inserted = sql.rows(conn, statement, **params)
    holds = [(hold_ref(i), c) for i, c, status, _ in inserted if status == Status.QUEUED.value]
    credits.hold_many(conn, account_id=account_id, holds=holds, now=now)
    blocked: dict[str, int] = {}
    for _, _, status, reason in inserted:
        if status == Status.BLOCKED.value:
            blocked[reason] = blocked.get(reason, 0) + 1
    broadcast.queued = len(holds)
    broadcast.blocked = sum(blocked.values())
    broadcast.credits = sum(c for _, c in holds)
    session.flush()
    return BroadcastResult(broadcast, len(holds), blocked, broadcast.credits)


def _rate(
    session: Session, catalog: Catalog, account_id: int, region: str, segments: int
) -> tuple[int, str | None]:
    """(credits per message, None) for a region messages may go to; (0, why) otherwise."""
    country = catalog.country(region)
    if country is None:
        return 0, f"{region} is not a supported country."
    try:
        require_registration(session, account_id=account_id, region=region)
    except RegistrationRequired as exc:
        return 0, exc.message
    return segments * country.credits_per_segment, None


def _start(send_at: datetime | None, now: datetime) -> datetime:
    if send_at is None:
        return now
    if send_at.tzinfo is None:
        raise ValidationFailed("send_at needs a time zone (use UTC)", field="send_at")
    return max(send_at, now)


def get_message(session: Session, *, account_id: int, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or message.account_id != account_id:
        raise NotFound(f"there is no message {message_id}", message_id=message_id)
    return message


def list_messages(
    session: Session,
    *,
    account_id: int,
    status: str | None = None,
    broadcast_id: int | None = None,
    to: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Message]:
    """The account's messages, newest first, filtered."""
    query = _messages(account_id, status, broadcast_id, to)
    if before_id is not None:
        query = query.where(Message.id < before_id)
    return list(session.scalars(query.order_by(Message.id.desc()).limit(limit)))


def count_messages(
    session: Session,
    *,
    account_id: int,
    status: str | None = None,
    broadcast_id: int | None = None,
    to: str | None = None,
) -> int:
    """How many messages `list_messages` pages through with these filters."""
    query = _messages(account_id, status, broadcast_id, to).with_only_columns(func.count())
    return int(session.scalar(query) or 0)


def _messages(
    account_id: int, status: str | None, broadcast_id: int | None, to: str | None
) -> Select[Message]:
    query = select(Message).where(Message.account_id == account_id)
    if status is not None:
        query = query.where(Message.status == status)
    if broadcast_id is not None:
        query = query.where(Message.broadcast_id == broadcast_id)
    if to is not None:
        query = query.where(Message.to_e164 == normalize(to).e164)
    return query


def cancel_message(session: Session, *, account_id: int, message_id: int, now: datetime) -> Message:
    """Cancel a queued message and release its credits (one already sending cannot be)."""
    message = get_message(session, account_id=account_id, message_id=message_id)
    changed = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == Status.QUEUED)
        .values(status=Status.CANCELED, finished_at=now, reason="Canceled before sending.")
        .execution_options(synchronize_session=False)
    )
    if not getattr(changed, "rowcount", 0):
        session.refresh(message)  # the status that refused it, not the one read before
        raise Conflict(
            f"message {message_id} is {message.status}; only a queued message can be canceled",
            status=message.status,
        )
    if message.credits:
        credits.release(session, account_id=account_id, ref=hold_ref(message_id), now=now)
    session.refresh(message)
    return message
