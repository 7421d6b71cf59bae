"""Renewal: charge each due billing period, grant each due credit period, expire the rest.

Idempotent under re-runs and concurrent runs: every invoice and grant carries a unique key
(account, period index), inserted with ON CONFLICT DO NOTHING, and the subscription row is
advanced with a compare-and-set on its version. Work is set-based, a chunk at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, and_, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import credits
from smsaddon.billing.models import Invoice, InvoiceLine, Subscription
from smsaddon.billing.subscriptions import Terms, next_renewal
from smsaddon.catalog import Catalog
from smsaddon.credits.models import GrantSource
from smsaddon.db import insert_ignoring_conflicts, transaction
from smsaddon.periods import Interval, boundary, period

SUBSCRIPTIONS = cast(Table, Subscription.__table__)
INVOICES = cast(Table, Invoice.__table__)
INVOICE_LINES = cast(Table, InvoiceLine.__table__)


@dataclass
class RenewalReport:
    subscriptions: int = 0
    invoices: int = 0
    grants: int = 0
    expired_credits: int = 0
    last_id: int = 0


@dataclass
class _Plan:
    """What renewing one subscription writes."""

    invoices: list[dict[str, Any]] = field(default_factory=list)
    lines: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)
    grants: list[credits.GrantRequest] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    prices: dict[Terms, tuple[int, list[tuple[str, int]]]] = field(default_factory=dict)

    def price(self, terms: Terms, catalog: Catalog) -> tuple[int, list[tuple[str, int]]]:
        """The total and lines of `terms`, worked out once per chunk."""
        if terms not in self.prices:
            lines = terms.recurring_lines(catalog)
            self.prices[terms] = (sum(amount for _, amount in lines), lines)
        return self.prices[terms]


def run_renewal(
    sessions: sessionmaker[Session], *, catalog: Catalog, now: datetime, chunk: int = 5000
) -> RenewalReport:
    """Renew every due subscription, one transaction per chunk, then expire ended credits."""
    total = RenewalReport()
    while True:
        with transaction(sessions) as session:
            report = renew(session, catalog=catalog, now=now, after_id=total.last_id, limit=chunk)
        if not report.subscriptions:
            break
        total.subscriptions += report.subscriptions
        total.invoices += report.invoices
        total.grants += report.grants
        total.last_id = report.last_id
    with transaction(sessions) as session:
        total.expired_credits = credits.expire_due(session, now=now)
    return total


def renew(
    session: Session, *, catalog: Catalog, now: datetime, after_id: int = 0, limit: int = 5000
) -> RenewalReport:
    """Renew up to `limit` due subscriptions with id > after_id; the caller commits each chunk
    and passes `report.last_id` on until a chunk renews none."""
    subs = session.execute(  # plain rows: no ORM objects for thousands of subscriptions
        select(SUBSCRIPTIONS)
        .where(SUBSCRIPTIONS.c.renews_at <= now, SUBSCRIPTIONS.c.id > after_id)
        .order_by(SUBSCRIPTIONS.c.id)
        .limit(limit)
    ).all()
    report = RenewalReport(subscriptions=len(subs), last_id=subs[-1].id if subs else after_id)
    work = _Plan()
    for sub in subs:
        _plan_one(sub, catalog, now, work)
    report.invoices = _write_invoices(session, work)
    report.grants = credits.grant_many(session, grants=work.grants, now=now)
    if work.updates:
        table = SUBSCRIPTIONS
        session.execute(
            table.update()
            .where(and_(table.c.id == bindparam("sid"), table.c.version == bindparam("old")))
            .values(
                sms_addon=bindparam("sms_addon"),
                bundle_credits=bindparam("bundle_credits"),
                addon_ends_at=bindparam("addon_ends_at"),
                pending_bundle_credits=bindparam("pending_bundle_credits"),
                pending_from=bindparam("pending_from"),
                billed_through=bindparam("billed_through"),
                credited_through=bindparam("credited_through"),
                renews_at=bindparam("renews_at"),
                version=bindparam("old") + 1,
                updated_at=now,
            ),
            work.updates,
            execution_options={"synchronize_session": False},
        )
    session.expire_all()
    return report


def _plan_one(sub: Row[Any], catalog: Catalog, now: datetime, work: _Plan) -> None:
    interval = Interval(sub.interval)
    state = _State(sub)
    while (start := boundary(sub.anchor, interval.months, state.billed_through + 1)) <= now:
        state.billed_through += 1
        state.apply_scheduled(start)
        billing = period(sub.anchor, interval.months, state.billed_through)
        total, lines = work.price(
            Terms(sub.plan, interval, state.sms_addon, state.bundle_credits), catalog
        )
        key = f"renewal:{billing.index}"
        work.invoices.append(
            {
                "account_id": sub.account_id,
                "key": key,
                "issued_at": billing.start,
                "description": _describe(billing.start, billing.end),
                "currency": catalog.currency,
                "total": total,
                "status": "billed",
                "catalog_version": catalog.version,
            }
        )
        work.lines[(sub.account_id, key)] = [
            {
                "description": text,
                "amount": amount,
                "period_start": billing.start,
                "period_end": billing.end,
            }
            for text, amount in lines
        ]
    if state.sms_addon:
        current = period(sub.anchor, 1, state.credited_through + 1)
        while current.end <= now:  # periods that ended unrenewed are past granting
            current = period(sub.anchor, 1, current.index + 1)
        if current.start <= now:
            terms = Terms(sub.plan, interval, True, state.bundle_credits)
            _grant(
                work,
                sub,
                current.index,
                GrantSource.ADDON,
                terms.included_credits(catalog),
                current.start,
                current.end,
            )
            _grant(
                work,
                sub,
                current.index,
                GrantSource.BUNDLE,
                state.bundle_credits,
                current.start,
                current.end,
            )
            state.credited_through = current.index
    work.updates.append(state.row(sub))


def _describe(start: datetime, end: datetime) -> str:
    return f"Subscription, {start:%b %-d, %Y} to {end:%b %-d, %Y}"


def _grant(
    work: _Plan,
    sub: Row[Any],
    index: int,
    source: GrantSource,
    amount: int,
    start: datetime,
    end: datetime,
) -> None:
    if amount:
        work.grants.append(
            credits.GrantRequest(
                account_id=sub.account_id,
                credits=amount,
                source=source,
                starts_at=start,
                expires_at=end,
                key=f"{source}:{index}",
            )
        )


class _State:
    """A subscription's renewal position as renewal moves it forward."""

    def __init__(self, sub: Row[Any]) -> None:
        self.anchor: datetime = sub.anchor
        self.interval: str = sub.interval
        self.sms_addon = sub.sms_addon
        self.bundle_credits = sub.bundle_credits
        self.addon_ends_at = sub.addon_ends_at
        self.pending_bundle_credits = sub.pending_bundle_credits
        self.pending_from = sub.pending_from
        self.billed_through = sub.billed_through
        self.credited_through = sub.credited_through

    def apply_scheduled(self, boundary: datetime) -> None:
        if self.pending_from is not None and self.pending_from <= boundary:
            self.bundle_credits = self.pending_bundle_credits or 0
            self.pending_bundle_credits, self.pending_from = None, None
        if self.addon_ends_at is not None and self.addon_ends_at <= boundary:
            self.sms_addon, self.bundle_credits, self.addon_ends_at = False, 0, None

    def row(self, sub: Row[Any]) -> dict[str, Any]:
        return {
            "sid": sub.id,
            "old": sub.version,
            "sms_addon": self.sms_addon,
            "bundle_credits": self.bundle_credits,
            "addon_ends_at": self.addon_ends_at,
            "pending_bundle_credits": self.pending_bundle_credits,
            "pending_from": self.pending_from,
            "billed_through": self.billed_through,
            "credited_through": self.credited_through,
            "renews_at": next_renewal(self),
        }


def _write_invoices(session: Session, work: _Plan) -> int:
    if not work.invoices:
        return 0
    inserted = session.execute(
        insert_ignoring_conflicts(session, INVOICES).returning(
            INVOICES.c.id, INVOICES.c.account_id, INVOICES.c.key
        ),
        work.invoices,
    ).all()
    lines = [
        {"invoice_id": invoice_id, **line}
        for invoice_id, account_id, key in inserted
        for line in work.lines[(account_id, key)]
    ]
    if lines:
        session.execute(INVOICE_LINES.insert(), lines)
    return len(inserted)
