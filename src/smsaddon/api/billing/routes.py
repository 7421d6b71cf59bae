"""/api/v1 account, credits, catalog, countries, estimate, quotes, confirm and invoices.

Every user of an account may read its account, credits, catalog, invoices, quotes and
estimates; only the Primary Admin and users with the billing permission may create and
confirm quotes. Another account's objects do not exist (404).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BeforeValidator

import smsaddon.api.billing.examples as examples
from smsaddon import billing, credits
from smsaddon.accounts import Account, require_purchaser
from smsaddon.api.billing.schemas import (
    AccountView,
    CatalogOut,
    ConfirmOut,
    CountriesOut,
    CreditsOut,
    EstimateOut,
    EstimateRequest,
    InvoiceOut,
    QuoteOut,
    QuoteRequest,
)
from smsaddon.api.common import Cursor, Page, decode_cursor, idempotent, ok, page
from smsaddon.billing.subscriptions import billing_period, get_subscription
from smsaddon.errors import ValidationFailed
from smsaddon.http.problems import ProblemRoute, problem_responses
from smsaddon.http.unit import ApiRead, ApiWrite, IdempotencyKey
from smsaddon.sms import messages, pricing

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)


@router.get(
    "/account",
    tags=["account"],
    summary="The account, you, the subscription",
    response_model=AccountView,
    responses={200: ok(examples.ACCOUNT), **problem_responses("not_found")},
)
def get_account(unit: ApiRead) -> AccountView:
    session, user, now = unit.session, unit.user, unit.now
    sub = get_subscription(session, user.account_id)
    overview = billing.overview(
        session, account_id=user.account_id, catalog=unit.services.catalog, now=now
    )
    return AccountView.of(
        account=session.get_one(Account, user.account_id),
        user=user,
        sub=sub,
        overview=overview,
        billing_start=billing_period(sub, now).start,
    )


@router.get(
    "/credits",
    tags=["account"],
    summary="This period's SMS credits",
    response_model=CreditsOut,
    responses={200: ok(examples.CREDITS), **problem_responses("not_found")},
)
def get_credits(unit: ApiRead) -> CreditsOut:
    summary = billing.credit_summary(
        unit.session, account_id=unit.user.account_id, catalog=unit.services.catalog, now=unit.now
    )
    return CreditsOut.model_validate(summary)


@router.get(
    "/catalog",
    tags=["catalog"],
    summary="Plans, the SMS add-on, the credit bundles",
    response_model=CatalogOut,
    responses={200: ok(examples.CATALOG), **problem_responses()},
)
def get_catalog(unit: ApiRead) -> CatalogOut:
    found = unit.services.catalog
    return CatalogOut(
        version=found.version,
        currency=found.currency,
        plans=found.plans,
        sms_addon=found.sms_addon,
        bundles=found.bundles,
    )


@router.get(
    "/countries",
    tags=["catalog"],
    summary="The supported countries and their rates",
    response_model=CountriesOut,
    responses={200: ok(examples.COUNTRIES), **problem_responses()},
)
def get_countries(
    unit: ApiRead,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description='Only the countries whose name, code or calling code ("+44") matches.',
        ),
    ] = None,
) -> CountriesOut:
    found = unit.services.catalog
    return CountriesOut(
        catalog_version=found.version, countries=tuple(pricing.supported_countries(found, q))
    )


@router.post(
    "/estimate",
    tags=["pricing"],
    summary="What a message to these numbers costs",
    response_model=EstimateOut,
    responses={200: ok(examples.ESTIMATE), **problem_responses("invalid_message")},
)
def post_estimate(
    unit: ApiRead,
    body: Annotated[EstimateRequest, Body(openapi_examples=examples.ESTIMATE_REQUESTS)],
) -> EstimateOut:
    account_id = unit.user.account_id
    estimate = messages.estimate(
        unit.session,
        account_id=account_id,
        catalog=unit.services.catalog,
        text=body.text,
        recipients=body.recipients,
        default_region=body.default_region,
    )
    available = credits.balance(unit.session, account_id=account_id, now=unit.now).available
    return EstimateOut.of(estimate, available)


@router.post(
    "/quotes",
    tags=["purchases"],
    status_code=201,
    summary="Review a purchase: a quote of exactly what confirming it does",
    response_model=QuoteOut,
    responses={
        201: ok(examples.QUOTE, "The quote, to show and then confirm."),
        **problem_responses(
            "permission_denied",
            "plan_not_eligible",
            "not_found",
            "conflict",
            "idempotency_key_reused",
        ),
    },
)
def post_quote(
    unit: ApiWrite,
    body: Annotated[QuoteRequest, Body(openapi_examples=examples.QUOTE_REQUESTS)],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    require_purchaser(unit.user)
    session, found = unit.session, unit.services.catalog
    ttl = unit.services.settings.quote_ttl_seconds

    def make_quote() -> QuoteOut:
        actor, now = unit.user, unit.now
        if body.kind == "add_addon":
            quote = billing.quote_add_addon(
                session, actor=actor, catalog=found, now=now, ttl_seconds=ttl
            )
        elif body.kind == "remove_addon":
            quote = billing.quote_remove_addon(
                session, actor=actor, catalog=found, now=now, ttl_seconds=ttl
            )
        else:
            quote = billing.quote_change_bundle(
                session,
                actor=actor,
                catalog=found,
                bundle_credits=body.bundle_credits,
                now=now,
                ttl_seconds=ttl,
            )
        return QuoteOut.of(quote)

    return idempotent(unit, idempotency_key, make_quote, body=body, status=201)


QuoteId = Annotated[UUID, Path(description="The quote's id.")]


@router.get(
    "/quotes/{quote_id}",
    tags=["purchases"],
    summary="A quote",
    response_model=QuoteOut,
    responses={200: ok(examples.QUOTE), **problem_responses("not_found")},
)
def get_quote(unit: ApiRead, quote_id: QuoteId) -> QuoteOut:
    return QuoteOut.of(billing.get_quote(unit.session, actor=unit.user, quote_id=str(quote_id)))


@router.post(
    "/quotes/{quote_id}/confirm",
    tags=["purchases"],
    summary="Confirm a quote: charge exactly its amount and apply it",
    description="Safe to repeat: confirming a confirmed quote answers with its "
    "purchase and charges nothing more.",
    response_model=ConfirmOut,
    responses={
        200: ok(examples.CONFIRM, "The purchase and the credits after it."),
        **problem_responses(
            "payment_declined",
            "permission_denied",
            "plan_not_eligible",
            "not_found",
            "quote_stale",
            "quote_expired",
            "idempotency_key_reused",
        ),
    },
)
def post_confirm(
    unit: ApiWrite, quote_id: QuoteId, idempotency_key: IdempotencyKey = None
) -> Response:
    require_purchaser(unit.user)
    found = unit.services.catalog

    def confirm() -> ConfirmOut:
        purchase = billing.confirm(
            unit.session,
            actor=unit.user,
            quote_id=str(quote_id),
            catalog=found,
            payments=unit.services.payments,
            now=unit.now,
        )
        summary = billing.credit_summary(
            unit.session, account_id=unit.user.account_id, catalog=found, now=unit.now
        )
        return ConfirmOut.of(purchase, summary)

    return idempotent(unit, idempotency_key, confirm)


def _iso_day(value: object) -> object:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


@router.get(
    "/invoices",
    tags=["purchases"],
    summary="Invoices, newest first",
    description="Pages follow `next_cursor`; repeat the same filters with it.",
    response_model=Page[InvoiceOut],
    responses={200: ok(examples.INVOICES), **problem_responses()},
)
def get_invoices(
    unit: ApiRead,
    limit: Annotated[int, Query(ge=1, le=100, description="Invoices per page.")] = 20,
    cursor: Cursor = None,
    issued_from: Annotated[
        Day | None,
        Query(description="Only invoices issued on or after this day (UTC), as YYYY-MM-DD."),
    ] = None,
    issued_until: Annotated[
        Day | None,
        Query(description="Only invoices issued on or before this day (UTC), as YYYY-MM-DD."),
    ] = None,
) -> Page[InvoiceOut]:
    if issued_from and issued_until and issued_from > issued_until:
        raise ValidationFailed("issued_from is after issued_until.", field="issued_from")
    account_id = unit.user.account_id
    since = _day_start(issued_from, "issued_from")
    until = _day_start(issued_until, "issued_until", days=1)
    rows = billing.list_invoices(
        unit.session,
        account_id=account_id,
        issued_from=since,
        issued_until=until,
        before_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    total = billing.count_invoices(
        unit.session, account_id=account_id, issued_from=since, issued_until=until
    )
    return page(rows, limit=limit, total=total, view=InvoiceOut.of)


def _day_start(day: date | None, name: str, days: int = 0) -> datetime | None:
    """The day's first instant (UTC), `days` later; a day past the calendar is refused."""
    if day is None:
        return None
    try:
        return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(days=days)
    except OverflowError:
        raise ValidationFailed(f"{name} is past the last day this API knows.", field=name) from None
