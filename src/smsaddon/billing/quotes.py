"""Review Purchase: a stored quote that says exactly what confirm will do and charge."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from smsaddon.accounts import User, require_purchaser
from smsaddon.billing.models import Quote, QuoteKind, QuoteState, Subscription
from smsaddon.billing.subscriptions import Terms, billing_period, get_subscription
from smsaddon.catalog import Catalog
from smsaddon.errors import Conflict, NotFound, ValidationFailed
from smsaddon.money import Money, prorate
from smsaddon.periods import Interval, Period


def quote_add_addon(
    session: Session, *, actor: User, catalog: Catalog, now: datetime, ttl_seconds: int
) -> Quote:
    require_purchaser(actor)
    sub = get_subscription(session, actor.account_id)
    addon = catalog.addon_for(sub.plan)  # refuses plans that cannot have it
    billing = billing_period(sub, now)
    interval = Interval(sub.interval)
    if sub.sms_addon and sub.addon_ends_at is None:
        raise Conflict("The SMS add-on is already on your plan.")
    if sub.sms_addon:  # removal was scheduled: keeping it costs nothing now
        after = Terms(sub.plan, interval, True, sub.bundle_credits)
        description = "Keep the SMS add-on (cancel its scheduled removal)"
        due, credits_now = 0, 0
    else:
        after = Terms(sub.plan, interval, True, 0)
        description = f"SMS add-on, {addon.included_credits:,} credits a month"
        price = addon.prices.for_interval(interval)
        due = _prorated(catalog, price, billing, now)
        credits_now = addon.included_credits
    return _store(
        session,
        actor=actor,
        sub=sub,
        catalog=catalog,
        kind=QuoteKind.ADD_ADDON,
        description=description,
        after=after,
        due=due,
        credits_now=credits_now,
        effective_at=now,
        billing=billing,
        now=now,
        ttl_seconds=ttl_seconds,
    )


def quote_change_bundle(
    session: Session,
    *,
    actor: User,
    catalog: Catalog,
    bundle_credits: int,
    now: datetime,
    ttl_seconds: int,
) -> Quote:
    """Raise (charged and granted now, prorated) or lower (from the next billing period)."""
    require_purchaser(actor)
    sub = get_subscription(session, actor.account_id)
    catalog.addon_for(sub.plan)
    if not sub.sms_addon or sub.addon_ends_at is not None:
        raise Conflict("Add the SMS add-on to your plan before buying additional credits.")
    if bundle_credits < 0:
        raise ValidationFailed("additional credits cannot be negative", field="bundle_credits")
    if bundle_credits:
        catalog.bundle(bundle_credits)
    interval = Interval(sub.interval)
    billing = billing_period(sub, now)
    current = sub.bundle_credits
    if bundle_credits == current and sub.pending_from is None:
        raise Conflict(f"You already have {current:,} additional credits a month.")
    after = Terms(sub.plan, interval, True, bundle_credits)
    description = f"Additional SMS credits: {current:,} to {bundle_credits:,} a month"
    due, credits_now, effective_at = 0, 0, now
    if bundle_credits > current:
        price_now = _bundle_price(catalog, current, interval)
        price_after = _bundle_price(catalog, bundle_credits, interval)
        due = _prorated(catalog, price_after - price_now, billing, now)
        credits_now = bundle_credits - current
    elif bundle_credits < current:
        effective_at = billing.end
    else:
        description = f"Keep {current:,} additional credits a month (cancel the scheduled change)"
    return _store(
        session,
        actor=actor,
        sub=sub,
        catalog=catalog,
        kind=QuoteKind.CHANGE_BUNDLE,
        description=description,
        after=after,
        due=due,
        credits_now=credits_now,
        effective_at=effective_at,
        billing=billing,
        now=now,
        ttl_seconds=ttl_seconds,
    )


def quote_remove_addon(
    session: Session, *, actor: User, catalog: Catalog, now: datetime, ttl_seconds: int
) -> Quote:
    require_purchaser(actor)
    sub = get_subscription(session, actor.account_id)
    if not sub.sms_addon or sub.addon_ends_at is not None:
        raise Conflict("The SMS add-on is not on your plan, or its removal is already scheduled.")
    billing = billing_period(sub, now)
    after = Terms(sub.plan, Interval(sub.interval), False, 0)
    return _store(
        session,
        actor=actor,
        sub=sub,
        catalog=catalog,
        kind=QuoteKind.REMOVE_ADDON,
        description="Remove the SMS add-on and its additional credits",
        after=after,
        due=0,
        credits_now=0,
        effective_at=billing.end,
        billing=billing,
        now=now,
        ttl_seconds=ttl_seconds,
    )


def get_quote(session: Session, *, actor: User, quote_id: str, lock: bool = False) -> Quote:
    """The quote, if it belongs to the actor's account (404 otherwise, whoever asks)."""
    quote = session.get(Quote, quote_id, with_for_update=lock)
    if quote is None or quote.account_id != actor.account_id:
        raise NotFound("There is no such quote. Review the purchase again.", quote_id=quote_id)
    return quote


def _bundle_price(catalog: Catalog, credits: int, interval: Interval) -> int:
    return catalog.bundle(credits).prices.for_interval(interval) if credits else 0


def _prorated(catalog: Catalog, price: int, billing: Period, now: datetime) -> int:
    left = int((billing.end - now).total_seconds())
    return prorate(Money(price, catalog.currency), left, billing.seconds).amount


def _store(
    session: Session,
    *,
    actor: User,
    sub: Subscription,
    catalog: Catalog,
    kind: QuoteKind,
    description: str,
    after: Terms,
    due: int,
    credits_now: int,
    effective_at: datetime,
    billing: Period,
    now: datetime,
    ttl_seconds: int,
) -> Quote:
    quote = Quote(
        id=str(uuid.uuid4()),
        account_id=actor.account_id,
        user_id=actor.id,
        kind=kind,
        state=QuoteState.OPEN,
        subscription_version=sub.version,
        catalog_version=catalog.version,
        currency=catalog.currency,
        description=description,
        bundle_credits=after.bundle_credits,
        amount_due_now=due,
        new_recurring_amount=after.recurring_amount(catalog),
        next_invoice_date=billing.end,
        next_invoice_amount=after.recurring_amount(catalog),  # every change holds by then
        credits_now=credits_now,
        new_monthly_credits=after.monthly_credits(catalog),
        effective_at=effective_at,
        period_start=billing.start,
        period_end=billing.end,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    session.add(quote)
    session.flush()
    return quote
