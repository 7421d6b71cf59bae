"""The Billing & Upgrade page: the plan, this period's SMS credits, the next invoice, the
invoices, and the SMS add-on and extra monthly credits, bought through a stored quote that the
customer reviews and then confirms.

Fragments answer the page's own script: a quote renders as the "Review Purchase" modal body,
a refused step as an error inside the open modal, and a confirmed one sends the page back to
/billing (X-Location) with a note of what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from smsaddon import billing
from smsaddon.accounts import Role, User
from smsaddon.catalog import Catalog
from smsaddon.db import transaction, utcnow
from smsaddon.errors import (
    DomainError,
    PaymentDeclined,
    QuoteExpired,
    QuoteStale,
    ValidationFailed,
)
from smsaddon.formatting import any_of, day, money, number, per_interval
from smsaddon.periods import Interval
from smsaddon.web import state
from smsaddon.web.rendering import render
from smsaddon.web.security import signed_in_user

router = APIRouter(prefix="/billing")

QUOTE_KINDS = ("add_addon", "change_bundle", "remove_addon")
REVIEW_URLS = {
    "add_addon": "/billing/quotes/addon",
    "change_bundle": "/billing/quotes/bundle",
    "remove_addon": "/billing/quotes/remove",
}
# A change whose effective time is later than this is a change at the end of the period.
IMMEDIATE = timedelta(minutes=1)
MakeQuote = Callable[[Session, User, datetime], billing.Quote]


@dataclass(frozen=True)
class BundleOption:
    credits: int
    label: str
    summary: str
    note: str
    selected: bool


@router.get("", response_class=HTMLResponse)
def billing_page(request: Request) -> Response:
    catalog = state.catalog(request)
    now = utcnow()
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            overview = billing.overview(
                session, account_id=user.account_id, catalog=catalog, now=now
            )
            invoices = billing.list_invoices(session, account_id=user.account_id)
            primary_admin = next(u for u in user.account.users if u.role == Role.PRIMARY_ADMIN)
    except DomainError as error:
        problem = {"title": "Billing is not available", "message": error.message}
        return render(request, "error.html", problem, status_code=error.status)
    context = {
        "user": user,
        "primary_admin": primary_admin,
        "overview": overview,
        "invoices": invoices,
        "bundle_options": bundle_options(catalog, overview),
        "eligible_plans": any_of([plan.name for plan in catalog.plans if plan.sms_eligible]),
        "flash": request.session.pop("flash", None),
    }
    return render(request, "billing.html", context)


@router.post("/quotes/addon", response_class=HTMLResponse)
def review_addon(request: Request) -> Response:
    catalog, ttl = state.catalog(request), state.settings(request).quote_ttl_seconds
    return _review(
        request,
        lambda session, user, now: billing.quote_add_addon(
            session, actor=user, catalog=catalog, now=now, ttl_seconds=ttl
        ),
    )


@router.post("/quotes/bundle", response_class=HTMLResponse)
def review_bundle(request: Request, bundle_credits: Annotated[int, Form(ge=0)]) -> Response:
    catalog, ttl = state.catalog(request), state.settings(request).quote_ttl_seconds

    def make(session: Session, user: User, now: datetime) -> billing.Quote:
        offered(catalog, bundle_credits)
        return billing.quote_change_bundle(
            session,
            actor=user,
            catalog=catalog,
            bundle_credits=bundle_credits,
            now=now,
            ttl_seconds=ttl,
        )

    return _review(request, make)


def offered(catalog: Catalog, credits: int) -> None:
    """An amount of the Edit dialog's list (a request may post any number)."""
    amounts = [bundle.credits for bundle in catalog.bundles]
    if credits and credits not in amounts:
        raise ValidationFailed(
            f"Additional monthly credits: {number(credits)} is not offered; choose "
            f"{any_of(['none', *(number(n) for n in amounts)])}.",
            field="bundle_credits",
        )


@router.post("/quotes/remove", response_class=HTMLResponse)
def review_removal(request: Request) -> Response:
    catalog, ttl = state.catalog(request), state.settings(request).quote_ttl_seconds
    return _review(
        request,
        lambda session, user, now: billing.quote_remove_addon(
            session, actor=user, catalog=catalog, now=now, ttl_seconds=ttl
        ),
    )


@router.post("/quotes/{quote_id}/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    quote_id: str,
    kind: Annotated[str, Form(max_length=20)] = "",
    bundle_credits: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    now = utcnow()
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            billing.confirm(
                session,
                actor=user,
                quote_id=quote_id,
                catalog=state.catalog(request),
                payments=state.payments(request),
                now=now,
            )
            quote = billing.get_quote(session, actor=user, quote_id=quote_id)
    except DomainError as error:
        return _modal_error(request, error, quote_id=quote_id, kind=kind, bundle=bundle_credits)
    request.session["flash"] = done_message(quote, now)
    return Response(status_code=204, headers={"X-Location": "/billing"})


def _review(request: Request, make: MakeQuote) -> Response:
    now = utcnow()
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            quote = make(session, user, now)
            overview = billing.overview(
                session, account_id=user.account_id, catalog=state.catalog(request), now=now
            )
    except DomainError as error:
        return _modal_error(request, error)
    context = {
        "quote": quote,
        "interval": overview.interval,
        "deferred": quote.effective_at > now + IMMEDIATE,
    }
    return render(request, "_review.html", context)


def _modal_error(
    request: Request,
    error: DomainError,
    *,
    quote_id: str | None = None,
    kind: str = "",
    bundle: int = 0,
) -> Response:
    title, message, action = explain(error)
    context = {
        "title": title,
        "message": message,
        "action": action if kind in QUOTE_KINDS else None,
        "review_url": REVIEW_URLS.get(kind),
        "quote_id": quote_id,
        "kind": kind,
        "bundle_credits": bundle,
    }
    return render(request, "_modal_error.html", context, status_code=error.status)


def explain(error: DomainError) -> tuple[str, str, str | None]:
    """A refusal in plain words: a title, what happened, and the way forward
    ("review": make a new quote, "retry": confirm the same quote again, None: close)."""
    if isinstance(error, QuoteExpired):
        return (
            "This review has expired",
            "Prices are held for a limited time, and this review ran out before it was "
            "confirmed. Nothing was charged. Review the purchase again to see the current "
            "amounts.",
            "review",
        )
    if isinstance(error, QuoteStale):
        return (
            "Your subscription has changed",
            "Your subscription changed after this review was made (someone on your account "
            "may have changed it), so these amounts are out of date. Nothing was charged. "
            "Review again to see the amounts as they are now.",
            "review",
        )
    if isinstance(error, PaymentDeclined):
        return (
            "Your payment was declined",
            "The payment for this purchase was declined, so nothing was charged and no "
            "credits were added. Check the payment method on your account, then try again.",
            "retry",
        )
    return ("This can't be done", error.message, None)


def done_message(quote: billing.Quote, now: datetime) -> str:
    """What the page says once a quote is confirmed."""
    monthly = number(quote.new_monthly_credits)
    if quote.kind == "add_addon":
        return (
            f"The SMS add-on is on your plan. {number(quote.credits_now)} SMS credits are "
            "ready to use."
        )
    if quote.kind == "remove_addon":
        return f"The SMS add-on ends on {day(quote.effective_at)}."
    if quote.credits_now > 0:
        return (
            f"{number(quote.credits_now)} more SMS credits are ready to use. You now get "
            f"{monthly} SMS credits every month."
        )
    if quote.effective_at > now + IMMEDIATE:
        return f"From {day(quote.effective_at)}, you get {monthly} SMS credits every month."
    return f"You now get {monthly} SMS credits every month."


def bundle_options(catalog: Catalog, overview: billing.Overview) -> list[BundleOption]:
    """The Edit dialog's dropdown: "None" and every bundle, each with its total cost."""
    if not overview.addon_active:
        return []
    interval = Interval(overview.interval)
    per = per_interval(overview.interval)
    currency = overview.currency
    addon_price = overview.addon_price or 0
    included = overview.addon_included_credits or 0
    current = overview.bundle_credits
    target = (
        overview.pending_bundle_credits if overview.pending_bundle_credits is not None else current
    )
    options = []
    for credits in [0, *(bundle.credits for bundle in catalog.bundles)]:
        price = catalog.bundle(credits).prices.for_interval(interval) if credits else 0
        if credits:
            label = f"{number(credits)} credits for {money(price, currency)} {per}"
            parts = (
                f"the SMS add-on {money(addon_price, currency)} + {number(credits)} "
                f"additional credits {money(price, currency)}"
            )
        else:
            label = "None"
            parts = "the SMS add-on alone, no additional credits"
        summary = (
            f"Total cost: {money(addon_price + price, currency)} {per} ({parts}). You get "
            f"{number(included + credits)} SMS credits every month."
        )
        if credits == target:
            note = "This is your current amount."
        elif credits > current:
            note = (
                "You pay the prorated difference today, and the additional credits are "
                "added at once."
            )
        elif credits < current:
            note = (
                "Lower amounts take effect at the end of your billing period, on "
                f"{day(overview.next_invoice_date)}. Until then you keep your current credits."
            )
        else:
            note = "This keeps your current amount and cancels the change planned before."
        options.append(BundleOption(credits, label, summary, note, credits == target))
    return options
