"""Subscriptions: their periods and what they cost and grant each period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsaddon.billing.models import Subscription
from smsaddon.catalog import Catalog
from smsaddon.errors import NotFound, ValidationFailed
from smsaddon.periods import (
    Interval,
    Period,
    billing_period_at,
    boundary,
    credit_period_at,
)


@dataclass(frozen=True)
class Terms:
    """What a subscription pays each billing period and is granted each credit period."""

    plan: str
    interval: Interval
    sms_addon: bool
    bundle_credits: int

    def recurring_lines(self, catalog: Catalog) -> list[tuple[str, int]]:
        plan = catalog.plan(self.plan)
        lines = [(f"{plan.name} plan ({self.interval})", plan.prices.for_interval(self.interval))]
        if self.sms_addon:
            addon = catalog.addon_for(self.plan)
            lines.append(
                (
                    f"SMS add-on, {addon.included_credits:,} credits a month",
                    addon.prices.for_interval(self.interval),
                )
            )
            if self.bundle_credits:
                bundle = catalog.bundle(self.bundle_credits)
                lines.append(
                    (
                        f"Additional SMS credits, {self.bundle_credits:,} a month",
                        bundle.prices.for_interval(self.interval),
                    )
                )
        return lines

    def recurring_amount(self, catalog: Catalog) -> int:
        return sum(amount for _, amount in self.recurring_lines(catalog))

    def included_credits(self, catalog: Catalog) -> int:
        return catalog.addon_for(self.plan).included_credits if self.sms_addon else 0

    def monthly_credits(self, catalog: Catalog) -> int:
        return self.included_credits(catalog) + (self.bundle_credits if self.sms_addon else 0)


def current_terms(sub: Subscription) -> Terms:
    return Terms(sub.plan, Interval(sub.interval), sub.sms_addon, sub.bundle_credits)


def terms_from(sub: Subscription, moment: datetime) -> Terms:
    """The terms in force at `moment`, counting changes scheduled for a period end."""
    addon = sub.sms_addon and not (sub.addon_ends_at is not None and sub.addon_ends_at <= moment)
    bundle = sub.bundle_credits
    if sub.pending_from is not None and sub.pending_from <= moment:
        bundle = sub.pending_bundle_credits or 0
    return Terms(sub.plan, Interval(sub.interval), addon, bundle if addon else 0)


def billing_period(sub: Subscription, moment: datetime) -> Period:
    return billing_period_at(sub.anchor, Interval(sub.interval), moment)


def credit_period(sub: Subscription, moment: datetime) -> Period:
    return credit_period_at(sub.anchor, moment)


class RenewalPosition(Protocol):
    anchor: datetime
    interval: str
    sms_addon: bool
    billed_through: int
    credited_through: int


def next_renewal(sub: RenewalPosition) -> datetime:
    """The start of the next billing or credit period renewal has not done yet."""
    next_billing = boundary(sub.anchor, Interval(sub.interval).months, sub.billed_through + 1)
    if not sub.sms_addon:
        return next_billing
    return min(next_billing, boundary(sub.anchor, 1, sub.credited_through + 1))


def subscribe(
    session: Session,
    *,
    account_id: int,
    plan: str,
    interval: Interval,
    catalog: Catalog,
    now: datetime,
    anchor: datetime | None = None,
) -> Subscription:
    """Start the account on `plan`; the current billing period counts as paid on the platform."""
    catalog.plan(plan)
    anchor = anchor or now
    if anchor > now:
        raise ValidationFailed("a subscription cannot start in the future", field="anchor")
    sub = Subscription(
        account_id=account_id,
        plan=plan,
        interval=interval,
        anchor=anchor,
        sms_addon=False,
        bundle_credits=0,
        version=1,
        updated_at=now,
        credited_through=-1,
    )
    sub.billed_through = billing_period_at(anchor, interval, now).index
    sub.renews_at = next_renewal(sub)
    session.add(sub)
    session.flush()
    return sub


def get_subscription(session: Session, account_id: int, *, lock: bool = False) -> Subscription:
    query = select(Subscription).where(Subscription.account_id == account_id)
    if lock:
        query = query.with_for_update()
    sub = session.scalar(query)
    if sub is None:
        raise NotFound("this account has no subscription")
    return sub


def touch(sub: Subscription, now: datetime) -> None:
    """Record a change: quotes made against the previous version become stale."""
    sub.version += 1
    sub.updated_at = now
    sub.renews_at = next_renewal(sub)
