"""The /api/v1 endpoints. Each request owns its transaction; services do the work.

Every user of an account may read its account, credits, catalog, invoices, quotes and
estimates; only the Primary Admin and users with the billing permission may create and
confirm quotes. Another account's objects do not exist (404).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import BeforeValidator

import smsaddon.api.examples as examples
from smsaddon import billing, credits
from smsaddon.accounts import Account, require_purchaser
from smsaddon.api.deps import IdempotencyKey, Token, catalog, sessions, settings
from smsaddon.api.idempotency import fingerprint, respond_once
from smsaddon.api.schemas import (
    AccountView,
    CatalogOut,
    ConfirmOut,
    CountriesOut,
    CreditsOut,
    EstimateOut,
    EstimateRequest,
    InvoiceOut,
    InvoicePage,
    QuoteOut,
    QuoteRequest,
)
from smsaddon.billing.subscriptions import billing_period, get_subscription
from smsaddon.db import transaction, utcnow
from smsaddon.errors import ValidationFailed
from smsaddon.http.problems import ProblemRoute, problem_responses
from smsaddon.http.unit import authenticated
from smsaddon.sms import messages, pricing

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)


def ok(example: Any, description: str = "Success.") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"example": example.model_dump(mode="json")}},
    }


@router.get(
    "/account",
    tags=["account"],
    summary="The account, you, the subscription",
    response_model=AccountView,
    responses={200: ok(examples.ACCOUNT), **problem_responses("not_found")},
)
def get_account(request: Request, token: Token) -> AccountView:
    now = utcnow()
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        account = session.get_one(Account, user.account_id)
        sub = get_subscription(session, user.account_id)
        overview = billing.overview(
            session, account_id=user.account_id, catalog=catalog(request), now=now
        )
        return AccountView.of(
            account=account,
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
def get_credits(request: Request, token: Token) -> CreditsOut:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        summary = billing.credit_summary(
            session, account_id=user.account_id, catalog=catalog(request), now=utcnow()
        )
        return CreditsOut.model_validate(summary)


@router.get(
    "/catalog",
    tags=["catalog"],
    summary="Plans, the SMS add-on, the credit bundles",
    response_model=CatalogOut,
    responses={200: ok(examples.CATALOG), **problem_responses()},
)
def get_catalog(request: Request, token: Token) -> CatalogOut:
    with transaction(sessions(request)) as session:
        authenticated(request, session, token)
    found = catalog(request)
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
    request: Request,
    token: Token,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description='Only the countries whose name, code or calling code ("+44") matches.',
        ),
    ] = None,
) -> CountriesOut:
    with transaction(sessions(request)) as session:
        authenticated(request, session, token)
    found = catalog(request)
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
    request: Request,
    token: Token,
    body: Annotated[EstimateRequest, Body(openapi_examples=examples.ESTIMATE_REQUESTS)],
) -> EstimateOut:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        estimate = messages.estimate(
            session,
            account_id=user.account_id,
            catalog=catalog(request),
            text=body.text,
            recipients=body.recipients,
            default_region=body.default_region,
        )
        available = credits.balance(session, account_id=user.account_id, now=utcnow()).available
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
    request: Request,
    token: Token,
    body: Annotated[QuoteRequest, Body(openapi_examples=examples.QUOTE_REQUESTS)],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    now = utcnow()
    found, ttl = catalog(request), settings(request).quote_ttl_seconds
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        require_purchaser(user)

        def make_quote() -> QuoteOut:
            if body.kind == "add_addon":
                quote = billing.quote_add_addon(
                    session, actor=user, catalog=found, now=now, ttl_seconds=ttl
                )
            elif body.kind == "remove_addon":
                quote = billing.quote_remove_addon(
                    session, actor=user, catalog=found, now=now, ttl_seconds=ttl
                )
            else:
                quote = billing.quote_change_bundle(
                    session,
                    actor=user,
                    catalog=found,
                    bundle_credits=body.bundle_credits,
                    now=now,
                    ttl_seconds=ttl,
                )
            return QuoteOut.of(quote)

        return respond_once(
            session,
            account_id=user.account_id,
            key=idempotency_key,
            request_hash=fingerprint("POST", request.url.path, body),
            now=now,
            status=201,
            produce=make_quote,
        )


QuoteId = Annotated[UUID, Path(description="The quote's id.")]


@router.get(
    "/quotes/{quote_id}",
    tags=["purchases"],
    summary="A quote",
    response_model=QuoteOut,
    responses={200: ok(examples.QUOTE), **problem_responses("not_found")},
)
def get_quote(request: Request, token: Token, quote_id: QuoteId) -> QuoteOut:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        return QuoteOut.of(billing.get_quote(session, actor=user, quote_id=str(quote_id)))


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
    request: Request,
    token: Token,
    quote_id: QuoteId,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    now = utcnow()
    found = catalog(request)
    payments = billing.payment_provider(settings(request))
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        require_purchaser(user)

        def confirm() -> ConfirmOut:
            purchase = billing.confirm(
                session,
                actor=user,
                quote_id=str(quote_id),
                catalog=found,
                payments=payments,
                now=now,
            )
            summary = billing.credit_summary(
                session, account_id=user.account_id, catalog=found, now=now
            )
            return ConfirmOut.of(purchase, summary)

        return respond_once(
            session,
            account_id=user.account_id,
            key=idempotency_key,
            request_hash=fingerprint("POST", request.url.path, None),
            now=now,
            status=200,
            produce=confirm,
        )


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
    response_model=InvoicePage,
    responses={200: ok(examples.INVOICES), **problem_responses()},
)
def get_invoices(
    request: Request,
    token: Token,
    limit: Annotated[int, Query(ge=1, le=100, description="Invoices per page.")] = 20,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="The `next_cursor` of the previous page."),
    ] = None,
    issued_from: Annotated[
        Day | None,
        Query(description="Only invoices issued on or after this day (UTC), as YYYY-MM-DD."),
    ] = None,
    issued_until: Annotated[
        Day | None,
        Query(description="Only invoices issued on or before this day (UTC), as YYYY-MM-DD."),
    ] = None,
) -> InvoicePage:
    if issued_from and issued_until and issued_from > issued_until:
        raise ValidationFailed("issued_from is after issued_until.", field="issued_from")
    before_id = _decode_cursor(cursor) if cursor else None
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        rows = billing.list_invoices(
            session,
            account_id=user.account_id,
            limit=limit + 1,
            before_id=before_id,
            issued_from=_day_start(issued_from) if issued_from else None,
            issued_until=_day_start(issued_until) + timedelta(days=1) if issued_until else None,
        )
        page = [InvoiceOut.of(invoice) for invoice in rows[:limit]]
    more = len(rows) > limit
    return InvoicePage(items=page, next_cursor=_encode_cursor(page[-1].id) if more else None)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _encode_cursor(invoice_id: int) -> str:
    return base64.urlsafe_b64encode(f"before:{invoice_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind == "before" and value.isdigit() and len(value) < 19:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationFailed(
        "This cursor is not one this API gave: start from the first page.", field="cursor"
    )
