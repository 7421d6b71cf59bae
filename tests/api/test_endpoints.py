"""Each endpoint's happy path and each problem code it can answer, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from smsaddon.billing.models import IdempotencyKey, Invoice, InvoiceLine, Purchase, Quote
from smsaddon.db import transaction, utcnow
from smsaddon.http.ratelimit import TokenBuckets
from tests.fixtures.api import Api, make_app
from tests.fixtures.snapshots import snapshot

PROBLEM = "application/problem+json"


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the problem `code`, in RFC 9457 form."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = dict(response.json())
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"urn:smsaddon:problem:{code}"
    assert body["title"] and body["detail"]
    return body


def count(api: Api, model: type) -> int:
    with transaction(api.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# Account, credits, catalog, countries -------------------------------------------------------


def test_account_shows_the_account_the_caller_and_the_subscription(api: Api) -> None:
    body = api.get("/api/v1/account", who="billing@demo.test").json()
    assert body["account"]["name"] == "Demo Co"
    assert body["user"] == {
        "id": body["user"]["id"],
        "email": "billing@demo.test",
        "name": "Bill Ingram",
        "role": "user",
        "can_bill": True,
        "may_purchase": True,
        "is_admin": False,
    }
    sub = body["subscription"]
    assert (sub["plan"], sub["interval"], sub["sms_addon"], sub["addon_eligible"]) == (
        "plus",
        "monthly",
        False,
        True,
    )
    assert (sub["addon_price"], sub["addon_included_credits"], sub["currency"]) == (
        1000,
        500,
        "USD",
    )
    assert sub["recurring_amount"] == sub["next_invoice_amount"] == 2900
    assert body["credits"] is None  # no add-on yet
    api.buy()
    after = api.get("/api/v1/account").json()
    assert after["subscription"]["sms_addon"] is True
    assert after["subscription"]["recurring_amount"] == 3900
    assert after["credits"]["available"] == 500


def test_lite_account_is_told_it_cannot_have_the_addon(api: Api) -> None:
    sub = api.get("/api/v1/account", who="lite@demo.test").json()["subscription"]
    assert (sub["plan"], sub["addon_eligible"], sub["addon_price"]) == ("lite", False, None)


def test_credits_summarize_the_period(api: Api) -> None:
    before = api.get("/api/v1/credits", who="member@demo.test").json()
    assert (before["available"], before["monthly_credits"], before["next_refill"]) == (0, 0, None)
    api.buy()
    api.buy("change_bundle", bundle_credits=1000)
    credits = api.get("/api/v1/credits", who="member@demo.test").json()
    assert credits["included_this_period"] == 500
    assert credits["extra_this_period"] == 1000
    assert (credits["available"], credits["held"], credits["used_this_period"]) == (1500, 0, 0)
    assert credits["monthly_credits"] == 1500
    assert credits["next_refill"] == credits["period_end"]


def test_catalog_lists_plans_addon_and_bundles(api: Api) -> None:
    body = api.get("/api/v1/catalog", who="member@demo.test").json()
    assert body["version"] == api.catalog.version
    assert [p["code"] for p in body["plans"]] == ["lite", "plus", "professional", "enterprise"]
    assert body["sms_addon"]["plans"][0] == {
        "plan": "plus",
        "included_credits": 500,
        "prices": {"monthly": 1000, "annual": 10000},
    }
    assert [b["credits"] for b in body["bundles"]] == [b.credits for b in api.catalog.bundles]


def test_countries_are_the_rate_card_and_can_be_searched(api: Api) -> None:
    body = api.get("/api/v1/countries").json()
    assert len(body["countries"]) == len(api.catalog.countries)
    rates = {c["code"]: c["credits_per_segment"] for c in body["countries"]}
    assert {k: rates[k] for k in ("US", "CA", "GB", "AU", "NZ")} == {
        "US": 1,
        "CA": 3,
        "GB": 5,
        "AU": 4,
        "NZ": 10,
    }
    found = api.get("/api/v1/countries", params={"q": "+44"}).json()["countries"]
    assert "GB" in {c["code"] for c in found}
    assert all(c["calling_code"] == "44" for c in found)


# Estimates -------------------------------------------------------------------------------------


def test_estimate_prices_per_country_and_lists_the_refused(api: Api) -> None:
    body = api.post(
        "/api/v1/estimate",
        {
            "text": "]" * 153,  # 306 septets: 3 segments, not 2
            "recipients": [
                "+14155552671",
                "+1 415 555 2671",
                "+447400123456",
                "+1 555",
                "+8613812345678",
            ],
        },
        who="member@demo.test",
    ).json()
    assert (body["encoding"], body["segments"]) == ("GSM-7", 3)
    assert {c["code"]: c["credits"] for c in body["countries"]} == {"GB": 15}
    assert (body["recipients"], body["duplicates"], body["total_credits"]) == (1, 1, 15)
    assert [r["given"] for r in body["invalid"]] == ["+1 555"]
    assert [(u["region"], u["e164"]) for u in body["unsupported"]] == [("CN", "+8613812345678")]
    assert body["unregistered"] == ["+14155552671"]  # no approved 10DLC campaign: not sent
    assert body["excluded"] == {"invalid": 1, "duplicate": 1, "unsupported": 1, "unregistered": 1}
    assert (body["available_credits"], body["enough_credits"]) == (0, False)


def test_estimate_says_whether_the_credits_cover_it(api: Api) -> None:
    api.buy()
    body = api.post("/api/v1/estimate", {"text": "hi", "recipients": ["+447400123456"]}).json()
    assert (body["total_credits"], body["available_credits"], body["enough_credits"]) == (
        5,
        500,
        True,
    )


def test_estimate_reads_national_numbers_in_the_default_region(api: Api) -> None:
    body = api.post(
        "/api/v1/estimate",
        {"text": "Hi 👋", "recipients": ["(415) 555-2671"], "default_region": "US"},
    ).json()
    assert (body["encoding"], body["total_credits"]) == ("UCS-2", 0)
    assert body["unregistered"] == ["+14155552671"]


@pytest.mark.parametrize("text", ["x" * 1531, "😀" * 336])
def test_estimate_refuses_a_message_over_the_segment_cap(api: Api, text: str) -> None:
    response = api.post("/api/v1/estimate", {"text": text, "recipients": ["+14155552671"]})
    body = problem(response, 422, "invalid_message")
    assert "11" in body["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"text": "", "recipients": ["+14155552671"]},
        {"text": "hi", "recipients": []},
        {"text": "hi"},
        {"text": 5, "recipients": ["+14155552671"]},
        {"text": "hi", "recipients": ["+14155552671"], "default_region": "ZZ"},
        {"text": "hi", "recipients": ["+14155552671"], "extra": True},
    ],
)
def test_estimate_refuses_an_invalid_request(api: Api, body: dict[str, Any]) -> None:
    problem(api.post("/api/v1/estimate", body), 422, "validation_failed")


# Quotes and confirm ---------------------------------------------------------------------------


def test_quote_then_confirm_buys_the_addon(api: Api) -> None:
    response = api.post("/api/v1/quotes", {"kind": "add_addon"}, who="billing@demo.test")
    assert response.status_code == 201
    quote = response.json()
    assert (quote["kind"], quote["state"], quote["currency"]) == ("add_addon", "open", "USD")
    assert 0 < quote["amount_due_now"] <= 1000
    assert (quote["credits_now"], quote["new_monthly_credits"]) == (500, 500)
    assert quote["new_recurring_amount"] == 3900
    assert api.get(f"/api/v1/quotes/{quote['id']}", who="member@demo.test").json() == quote

    confirmed = api.post(f"/api/v1/quotes/{quote['id']}/confirm", who="billing@demo.test")
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["purchase"]["quote_id"] == quote["id"]
    assert (body["purchase"]["amount"], body["purchase"]["currency"]) == (
        quote["amount_due_now"],
        "USD",
    )
    assert body["credits"]["available"] == 500
    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["state"] == "confirmed"
    [invoice] = api.get("/api/v1/invoices").json()["items"]
    assert (invoice["id"], invoice["total"]) == (
        body["purchase"]["invoice_id"],
        quote["amount_due_now"],
    )


def test_confirming_again_answers_the_same_purchase_and_charges_nothing(api: Api) -> None:
    quote = api.quote()
    first = api.post(f"/api/v1/quotes/{quote['id']}/confirm").json()
    before = snapshot(api.sessions)
    again = api.post(f"/api/v1/quotes/{quote['id']}/confirm", who="billing@demo.test")
    assert again.status_code == 200
    assert again.json()["purchase"] == first["purchase"]
    assert snapshot(api.sessions) == before


def test_bundle_raise_and_lower_and_addon_removal(api: Api) -> None:
    api.buy()
    raised = api.buy("change_bundle", bundle_credits=2500)
    assert raised["credits"]["available"] == 3000
    lower = api.quote(kind="change_bundle", bundle_credits=500)
    assert (lower["amount_due_now"], lower["credits_now"]) == (0, 0)
    assert lower["effective_at"] == lower["period_end"]
    removal = api.quote(kind="remove_addon")
    assert removal["effective_at"] == removal["period_end"]
    api.post(f"/api/v1/quotes/{removal['id']}/confirm")
    sub = api.get("/api/v1/account").json()["subscription"]
    assert sub["addon_ends_at"] == removal["period_end"]


def test_member_is_refused_with_nothing_changed(api: Api) -> None:
    quote = api.quote()
    before = snapshot(api.sessions)
    problem(
        api.post("/api/v1/quotes", {"kind": "add_addon"}, who="member@demo.test"),
        403,
        "permission_denied",
    )
    problem(
        api.post(f"/api/v1/quotes/{quote['id']}/confirm", who="member@demo.test"),
        403,
        "permission_denied",
    )
    assert snapshot(api.sessions) == before


def test_lite_plan_is_told_to_upgrade(api: Api) -> None:
    before = snapshot(api.sessions)
    body = problem(
        api.post("/api/v1/quotes", {"kind": "add_addon"}, who="lite@demo.test"),
        403,
        "plan_not_eligible",
    )
    assert body["eligible_plans"] == ["plus", "professional", "enterprise"]
    assert "Upgrade" in body["detail"]
    assert snapshot(api.sessions) == before


def test_unknown_quote_and_unoffered_bundle_are_not_found(api: Api) -> None:
    missing = uuid.uuid4()
    problem(api.get(f"/api/v1/quotes/{missing}"), 404, "not_found")
    problem(api.post(f"/api/v1/quotes/{missing}/confirm"), 404, "not_found")
    api.buy()
    before = snapshot(api.sessions)
    body = problem(
        api.post("/api/v1/quotes", {"kind": "change_bundle", "bundle_credits": 1234}),
        404,
        "not_found",
    )
    assert body["credits"] == 1234
    assert snapshot(api.sessions) == before


def test_adding_the_addon_twice_is_a_conflict(api: Api) -> None:
    api.buy()
    before = snapshot(api.sessions)
    problem(api.post("/api/v1/quotes", {"kind": "add_addon"}), 409, "conflict")
    problem(
        api.post("/api/v1/quotes", {"kind": "change_bundle", "bundle_credits": 0}), 409, "conflict"
    )
    assert snapshot(api.sessions) == before


def test_a_quote_made_before_another_change_is_stale(api: Api) -> None:
    first, second = api.quote(), api.quote()
    api.post(f"/api/v1/quotes/{first['id']}/confirm")
    before = snapshot(api.sessions)
    problem(api.post(f"/api/v1/quotes/{second['id']}/confirm"), 409, "quote_stale")
    assert snapshot(api.sessions) == before


def test_an_expired_quote_is_gone(api: Api) -> None:
    quote = api.quote()
    with transaction(api.sessions) as session:
        session.execute(
            update(Quote)
            .where(Quote.id == quote["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    before = snapshot(api.sessions)
    problem(api.post(f"/api/v1/quotes/{quote['id']}/confirm"), 410, "quote_expired")
    assert snapshot(api.sessions) == before


def test_a_declined_payment_buys_nothing_and_the_quote_stays_good(api: Api, engine: Engine) -> None:
    quote = api.quote()
    declining = make_app(engine, SMSADDON_PAYMENT_PROVIDER="declining")
    from fastapi.testclient import TestClient

    before = snapshot(api.sessions)
    with TestClient(declining) as client:
        response = client.post(
            f"/api/v1/quotes/{quote['id']}/confirm",
            headers=api.headers("owner@demo.test", key="pay-1"),
        )
    declining.state.services.engine.dispose()
    problem(response, 402, "payment_declined")
    assert snapshot(api.sessions) == before
    retried = api.post(f"/api/v1/quotes/{quote['id']}/confirm", key="pay-1")
    assert retried.status_code == 200
    assert count(api, Purchase) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "add"},
        {"kind": "change_bundle"},
        {"kind": "change_bundle", "bundle_credits": -500},
        {"kind": "change_bundle", "bundle_credits": "500"},
        {"kind": "add_addon", "bundle_credits": 500},
        [],
        None,
    ],
)
def test_an_invalid_quote_request_is_refused(api: Api, body: Any) -> None:
    before = snapshot(api.sessions)
    problem(api.post("/api/v1/quotes", body), 422, "validation_failed")
    assert snapshot(api.sessions) == before


def test_malformed_json_and_ids_are_validation_failures(api: Api) -> None:
    response = api.client.post(
        "/api/v1/quotes",
        content=b"{not json",
        headers={**api.headers("owner@demo.test"), "Content-Type": "application/json"},
    )
    problem(response, 422, "validation_failed")
    problem(api.get("/api/v1/quotes/not-a-uuid"), 422, "validation_failed")
    problem(api.post("/api/v1/quotes/not-a-uuid/confirm"), 422, "validation_failed")


# Invoices -------------------------------------------------------------------------------------


def add_invoices(api: Api, days_ago: list[int]) -> list[int]:
    """Invoices of Demo Co issued that many days ago; their ids."""
    now = utcnow()
    ids = []
    with transaction(api.sessions) as session:
        account_id = session.scalar(select(Quote.account_id)) or 1
        for n, ago in enumerate(days_ago):
            issued = now - timedelta(days=ago)
            invoice = Invoice(
                account_id=account_id,
                key=f"test:{n}",
                issued_at=issued,
                description=f"invoice {n}",
                currency="USD",
                total=100 + n,
                status="billed",
                catalog_version="2026-11",
            )
            invoice.lines = [
                InvoiceLine(description="line", amount=100 + n, period_start=issued, period_end=now)
            ]
            session.add(invoice)
            session.flush()
            ids.append(invoice.id)
    return ids


def test_invoices_page_newest_first_with_a_cursor(api: Api) -> None:
    api.quote()  # so that add_invoices finds Demo Co's account id
    ids = add_invoices(api, [5, 4, 3, 2, 1])
    first = api.get("/api/v1/invoices", params={"limit": 2}).json()
    assert [i["id"] for i in first["items"]] == [ids[4], ids[3]]
    assert first["items"][0]["lines"][0]["amount"] == 104
    second = api.get("/api/v1/invoices", params={"limit": 2, "cursor": first["next_cursor"]})
    assert [i["id"] for i in second.json()["items"]] == [ids[2], ids[1]]
    last = api.get(
        "/api/v1/invoices", params={"limit": 2, "cursor": second.json()["next_cursor"]}
    ).json()
    assert ([i["id"] for i in last["items"]], last["next_cursor"]) == ([ids[0]], None)
    assert api.get("/api/v1/invoices", who="annual@demo.test").json()["items"] == []


def test_invoices_filter_by_issue_day(api: Api) -> None:
    api.quote()
    ids = add_invoices(api, [40, 20, 10, 0])
    today = utcnow().date()
    window = {
        "issued_from": str(today - timedelta(days=20)),
        "issued_until": str(today - timedelta(days=10)),
    }
    items = api.get("/api/v1/invoices", params=window).json()["items"]
    assert [i["id"] for i in items] == [ids[2], ids[1]]
    since = api.get("/api/v1/invoices", params={"issued_from": str(today)}).json()["items"]
    assert [i["id"] for i in since] == [ids[3]]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "x"},
        {"cursor": "bm9wZQ"},
        {"cursor": "!!"},
        {"issued_from": "2026-13-01"},
        {"issued_from": "2026-11-02", "issued_until": "2026-11-01"},
    ],
)
def test_invoices_refuse_bad_parameters(api: Api, params: dict[str, Any]) -> None:
    problem(api.get("/api/v1/invoices", params=params), 422, "validation_failed")


# Authentication, rate limits, unknown paths ---------------------------------------------------


def test_no_token_a_bad_token_and_a_revoked_token_are_unauthorized(api: Api) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer sms_nope"},
        {"Authorization": "Basic eDp5"},
        {"Authorization": f"Bearer {api.tokens['revoked']}"},
    ):
        response = api.client.get("/api/v1/credits", headers=headers)
        problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_unauthorized_change_changes_nothing(api: Api) -> None:
    before = snapshot(api.sessions)
    for who in (None, "revoked"):
        response = api.post("/api/v1/quotes", {"kind": "add_addon"}, who=who, key="k-unauth")
        problem(response, 401, "unauthorized")
    assert snapshot(api.sessions) == before


def test_rate_limit_per_token_answers_429_with_retry_after(api: Api) -> None:
    api.app.state.services.api_limits = TokenBuckets(rate=0.5, burst=3)
    for _ in range(3):
        assert api.get("/api/v1/credits").status_code == 200
    limited = api.get("/api/v1/credits")
    body = problem(limited, 429, "rate_limited")
    assert limited.headers["retry-after"] == "2" == str(body["retry_after"])
    assert api.get("/api/v1/credits", who="billing@demo.test").status_code == 200  # per token


def test_unknown_paths_and_methods_are_problems_too(api: Api) -> None:
    problem(api.get("/api/v1/nothing-here"), 404, "not_found")
    response = api.client.delete("/api/v1/account", headers=api.headers("owner@demo.test"))
    problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


def test_idempotency_keys_are_stored_only_for_changes(api: Api) -> None:
    api.post("/api/v1/estimate", {"text": "hi", "recipients": ["+14155552671"]}, key="e-1")
    assert count(api, IdempotencyKey) == 0
    api.post("/api/v1/quotes", {"kind": "add_addon"}, key="q-1")
    assert count(api, IdempotencyKey) == 1
