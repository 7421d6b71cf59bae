"""Confirm a quote: charge exactly the quoted amount, apply the change, grant the credits.

Idempotent: the quote row is locked first, and a confirmed quote answers with its purchase.
Every step runs in the caller's transaction, so a refusal or a declined payment leaves
nothing behind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsaddon import audit, credits
from smsaddon.accounts import User, require_purchaser
from smsaddon.billing.invoices import record_invoice
from smsaddon.billing.models import Purchase, Quote, QuoteKind, QuoteState, Subscription
from smsaddon.billing.payments import PaymentProvider
from smsaddon.billing.quotes import get_quote
from smsaddon.billing.subscriptions import billing_period, credit_period, get_subscription, touch
from smsaddon.catalog import Catalog
from smsaddon.credits.models import GrantSource
from smsaddon.errors import QuoteExpired, QuoteStale
from smsaddon.money import Money


def confirm(
    session: Session,
    *,
    actor: User,
    quote_id: str,
    catalog: Catalog,
    payments: PaymentProvider,
    now: datetime,
) -> Purchase:
    require_purchaser(actor)
    quote = get_quote(session, actor=actor, quote_id=quote_id, lock=True)
    if quote.state == QuoteState.CONFIRMED:
        return session.scalars(select(Purchase).where(Purchase.quote_id == quote.id)).one()
    if now >= quote.expires_at:
        raise QuoteExpired(
            "This quote has expired. Review the purchase again to see the current price.",
            quote_id=quote.id,
        )
    sub = get_subscription(session, actor.account_id, lock=True)
    if (
        sub.version != quote.subscription_version
        or billing_period(sub, now).start != quote.period_start
        or catalog.version != quote.catalog_version
    ):
        raise QuoteStale(
            "Your subscription changed since this quote was made. Review the purchase again.",
            quote_id=quote.id,
        )

    invoice_id = None
    if quote.amount_due_now > 0:
        key = f"quote:{quote.id}"
        status = payments.charge(
            account_id=quote.account_id,
            amount=Money(quote.amount_due_now, quote.currency),
            description=quote.description,
            key=key,
            now=now,
        )
        invoice = record_invoice(
            session,
            account_id=quote.account_id,
            key=key,
            issued_at=now,
            description=quote.description,
            currency=quote.currency,
            status=status,
            catalog_version=quote.catalog_version,
            lines=[(quote.description, quote.amount_due_now, now, quote.period_end)],
        )
        invoice_id = invoice.id
    _apply(session, sub=sub, quote=quote, catalog=catalog, now=now)
    quote.state = QuoteState.CONFIRMED
    purchase = Purchase(
        account_id=quote.account_id,
        quote_id=quote.id,
        user_id=actor.id,
        invoice_id=invoice_id,
        amount=quote.amount_due_now,
        currency=quote.currency,
        created_at=now,
    )
    session.add(purchase)
    session.flush()
    audit.record(
        session,
        account_id=quote.account_id,
        actor_user_id=actor.id,
        action=audit.Action.PURCHASE_CONFIRMED,
        subject=quote.description,
        details={
            "quote_id": quote.id,
            "purchase_id": purchase.id,
            "kind": quote.kind,
            "amount": quote.amount_due_now,
            "currency": quote.currency,
            "credits_now": quote.credits_now,
        },
        now=now,
    )
    return purchase


def _apply(
    session: Session, *, sub: Subscription, quote: Quote, catalog: Catalog, now: datetime
) -> None:
    credit = credit_period(sub, now)
    if quote.kind == QuoteKind.ADD_ADDON:
        if sub.sms_addon:  # cancel a scheduled removal
            sub.addon_ends_at = None
        else:
            sub.sms_addon = True
            sub.bundle_credits = 0
            sub.credited_through = credit.index
            _grant(
                session,
                sub=sub,
                source=GrantSource.ADDON,
                amount=quote.credits_now,
                key=f"addon:{credit.index}",
                expires_at=credit.end,
                now=now,
            )
    elif quote.kind == QuoteKind.REMOVE_ADDON:
        sub.addon_ends_at = quote.effective_at
        sub.pending_bundle_credits, sub.pending_from = None, None
    elif quote.effective_at <= now:  # a raise, or cancelling a scheduled lowering
        if quote.credits_now:
            _grant(
                session,
                sub=sub,
                source=GrantSource.BUNDLE,
                amount=quote.credits_now,
                key=f"bundle:{credit.index}:{quote.id}",
                expires_at=credit.end,
                now=now,
            )
        sub.bundle_credits = quote.bundle_credits
        sub.pending_bundle_credits, sub.pending_from = None, None
    else:  # a lowering, from the next billing period
        sub.pending_bundle_credits, sub.pending_from = quote.bundle_credits, quote.effective_at
    touch(sub, now)


def _grant(
    session: Session,
    *,
    sub: Subscription,
    source: GrantSource,
    amount: int,
    key: str,
    expires_at: datetime,
    now: datetime,
) -> None:
    credits.grant(
        session,
        account_id=sub.account_id,
        credits=amount,
        source=source,
        starts_at=now,
        expires_at=expires_at,
        key=key,
        now=now,
    )
