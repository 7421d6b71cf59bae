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
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from smsaddon import billing
from smsaddon.accounts import Role
from smsaddon.catalog import Catalog
from smsaddon.errors import (
    DomainError,
    PaymentDeclined,
    QuoteExpired,
    QuoteStale,
    ValidationFailed,
)
from smsaddon.formatting import any_of, day, money, number, per_interval
from smsaddon.http.unit import PageRead, PageUnit, PageWrite
from smsaddon.periods import Interval

router = APIRouter(prefix="/billing")

QUOTE_KINDS = ("add_addon", "change_bundle", "remove_addon")
REVIEW_URLS = {
    "add_addon": "/billing/quotes/addon",
    "change_bundle": "/billing/quotes/bundle",
    "remove_addon": "/billing/quotes/remove",
}
# A change whose effective time is later than this is a change at the end of the period.
IMMEDIATE = timedelta(minutes=1)
MakeQuote = Callable[[PageUnit], billing.Quote]


@dataclass(frozen=True)
class BundleOption:
    credits: int
    label: str
    summary: str
    note: str
    selected: bool


@router.get("", response_class=HTMLResponse)
def billing_page(unit: PageRead) -> Response:
    catalog, user = unit.services.catalog, unit.user
    overview = billing.overview(
        unit.session, account_id=user.account_id, catalog=catalog, now=unit.now
    )
    context = {
        "primary_admin": next(u for u in user.account.users if u.role == Role.PRIMARY_ADMIN),
        "overview": overview,
        "invoices": billing.list_invoices(unit.session, account_id=user.account_id),
        "bundle_options": bundle_options(catalog, overview),
        "eligible_plans": any_of([plan.name for plan in catalog.plans if plan.sms_eligible]),
    }
    return unit.render("billing.html", context)


@router.post("/quotes/addon", response_class=HTMLResponse)
def review_addon(unit: PageWrite) -> Response:
    return _review(unit, lambda u: billing.quote_add_addon(u.session, actor=u.user, **_terms(u)))


@router.post("/quotes/bundle", response_class=HTMLResponse)
def review_bundle(unit: PageWrite, bundle_credits: Annotated[int, Form(ge=0)]) -> Response:
    def make(u: PageUnit) -> billing.Quote:
        offered(u.services.catalog, bundle_credits)
        return billing.quote_change_bundle(
            u.session, actor=u.user, bundle_credits=bundle_credits, **_terms(u)
        )

    return _review(unit, make)


@router.post("/quotes/remove", response_class=HTMLResponse)
def review_removal(unit: PageWrite) -> Response:
    return _review(unit, lambda u: billing.quote_remove_addon(u.session, actor=u.user, **_terms(u)))


def _terms(unit: PageUnit) -> dict[str, Any]:
    """What every quote is made with: the catalog, the time and how long it holds."""
    services = unit.services
    return {
        "catalog": services.catalog,
        "now": unit.now,
        "ttl_seconds": services.settings.quote_ttl_seconds,
    }


def offered(catalog: Catalog, credits: int) -> None:
    """An amount of the Edit dialog's list (a request may post any number)."""
    amounts = [bundle.credits for bundle in catalog.bundles]
    if credits and credits not in amounts:
        raise ValidationFailed(
            f"Additional monthly credits: {number(credits)} is not offered; choose "
            f"{any_of(['none', *(number(n) for n in amounts)])}.",
            field="bundle_credits",
        )


@router.post("/quotes/{quote_id}/confirm", response_class=HTMLResponse)
def confirm(
    unit: PageWrite,
    quote_id: Annotated[str, PathParam(max_length=64)],
    kind: Annotated[str, Form(max_length=20)] = "",
    bundle_credits: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    try:
        with unit.session.begin_nested():  # a declined payment leaves nothing behind
            billing.confirm(
                unit.session,
                actor=unit.user,
                quote_id=quote_id,
                catalog=unit.services.catalog,
                payments=unit.services.payments,
                now=unit.now,
            )
    except DomainError as error:
        return _modal_error(unit, error, quote_id=quote_id, kind=kind, bundle=bundle_credits)
    quote = billing.get_quote(unit.session, actor=unit.user, quote_id=quote_id)
    unit.flash(done_message(quote, unit.now))
    return Response(status_code=204, headers={"X-Location": "/billing"})


def _review(unit: PageUnit, make: MakeQuote) -> Response:
    """The "Review Purchase" modal body for the quote `make` stores, or why there is none."""
    try:
        with unit.session.begin_nested():
            quote = make(unit)
    except DomainError as error:
        return _modal_error(unit, error)
    overview = billing.overview(
        unit.session, account_id=unit.user.account_id, catalog=unit.services.catalog, now=unit.now
    )
    context = {
        "quote": quote,
        "interval": overview.interval,
        "deferred": quote.effective_at > unit.now + IMMEDIATE,
    }
    return unit.render("_review.html", context)


def _modal_error(
    unit: PageUnit,
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
    return unit.render("_modal_error.html", context, status_code=error.status)


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
