"""What the billing page and the API show: the subscription and this period's credits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from smsaddon import credits
from smsaddon.billing.models import Subscription
from smsaddon.billing.subscriptions import (
    billing_period,
    credit_period,
    current_terms,
    get_subscription,
    terms_from,
)
from smsaddon.catalog import Catalog, Plan
from smsaddon.credits.models import GrantSource
from smsaddon.errors import PlanNotEligible


@dataclass(frozen=True)
class CreditSummary:
    period_start: datetime
    period_end: datetime
    next_refill: datetime | None  # None when the add-on ends before then
    included_this_period: int
    extra_this_period: int  # bundles and manual grants
    used_this_period: int
    held: int
    available: int
    monthly_credits: int  # what the current terms grant each month
    next_refill_credits: int  # what the next refill grants, counting scheduled changes


@dataclass(frozen=True)
class Overview:
    plan: Plan
    interval: str
    addon_active: bool
    addon_eligible: bool
    addon_price: int | None
    addon_included_credits: int | None
    bundle_credits: int
    pending_bundle_credits: int | None
    pending_from: datetime | None
    addon_ends_at: datetime | None
    recurring_amount: int
    next_invoice_date: datetime
    next_invoice_amount: int
    currency: str
    credits: CreditSummary | None


def credit_summary(
    session: Session, *, account_id: int, catalog: Catalog, now: datetime
) -> CreditSummary:
    return _credit_summary(session, get_subscription(session, account_id), catalog, now)


def _credit_summary(
    session: Session, sub: Subscription, catalog: Catalog, now: datetime
) -> CreditSummary:
    account_id = sub.account_id
    period = credit_period(sub, now)
    totals = credits.period_totals(
        session, account_id=account_id, start=period.start, end=period.end, now=now
    )
    included = totals.granted_by_source.get(GrantSource.ADDON, 0)
    extra = sum(n for source, n in totals.granted_by_source.items() if source != GrantSource.ADDON)
    refill_terms = terms_from(sub, period.end)
    return CreditSummary(
        period_start=period.start,
        period_end=period.end,
        next_refill=period.end if refill_terms.sms_addon else None,
        included_this_period=included,
        extra_this_period=extra,
        used_this_period=totals.used,
        held=totals.held,
        available=totals.available,
        monthly_credits=current_terms(sub).monthly_credits(catalog),
        next_refill_credits=refill_terms.monthly_credits(catalog),
    )


def overview(session: Session, *, account_id: int, catalog: Catalog, now: datetime) -> Overview:
    sub = get_subscription(session, account_id)
    terms = current_terms(sub)
    billing = billing_period(sub, now)
    try:
        addon = catalog.addon_for(sub.plan)
    except PlanNotEligible:
        addon = None
    return Overview(
        plan=catalog.plan(sub.plan),
        interval=sub.interval,
        addon_active=sub.sms_addon,
        addon_eligible=addon is not None,
        addon_price=addon.prices.for_interval(terms.interval) if addon else None,
        addon_included_credits=addon.included_credits if addon else None,
        bundle_credits=sub.bundle_credits,
        pending_bundle_credits=sub.pending_bundle_credits,
        pending_from=sub.pending_from,
        addon_ends_at=sub.addon_ends_at,
        recurring_amount=terms.recurring_amount(catalog),
        next_invoice_date=billing.end,
        next_invoice_amount=terms_from(sub, billing.end).recurring_amount(catalog),
        currency=catalog.currency,
        credits=(
            _credit_summary(session, sub, catalog, now)
            if sub.sms_addon or sub.credited_through >= 0
            else None
        ),
    )
