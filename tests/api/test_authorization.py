"""Every endpoint against every kind of caller: no token, a revoked token, another account's
token, a member, a billing user, the Primary Admin and a Lite account. Every refusal leaves
every table as it was; another account's objects do not exist for the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import update

from smsaddon.accounts import User
from smsaddon.db import transaction
from tests.fixtures.api import Api
from tests.fixtures.snapshots import snapshot

CALLERS = (
    "none",
    "revoked",
    "annual@demo.test",
    "member@demo.test",
    "lite@demo.test",
    "billing@demo.test",
    "owner@demo.test",
)
# What each caller gets; "ok" is the endpoint's success status. Demo Co's callers are member,
# billing and owner; Annual Co and Lite Co are other accounts.
READ_ALL: dict[str, int | str] = {
    "none": 401,
    "revoked": 401,
    "annual@demo.test": "ok",
    "member@demo.test": "ok",
    "lite@demo.test": "ok",
    "billing@demo.test": "ok",
    "owner@demo.test": "ok",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {quote} is one of Demo Co's open quotes
    body: Any
    ok: int
    expected: dict[str, int | str]


ENDPOINTS = [
    Endpoint("GET", "/api/v1/account", None, 200, READ_ALL),
    Endpoint("GET", "/api/v1/credits", None, 200, READ_ALL),
    Endpoint("GET", "/api/v1/catalog", None, 200, READ_ALL),
    Endpoint("GET", "/api/v1/countries", None, 200, READ_ALL),
    Endpoint("GET", "/api/v1/invoices", None, 200, READ_ALL),
    Endpoint(
        "POST", "/api/v1/estimate", {"text": "hi", "recipients": ["+14155552671"]}, 200, READ_ALL
    ),
    Endpoint(
        "POST",
        "/api/v1/quotes",
        {"kind": "add_addon"},
        201,
        {**READ_ALL, "member@demo.test": 403, "lite@demo.test": 403},
    ),
    Endpoint(
        "GET",
        "/api/v1/quotes/{quote}",
        None,
        200,
        {**READ_ALL, "annual@demo.test": 404, "lite@demo.test": 404},
    ),
    Endpoint(
        "POST",
        "/api/v1/quotes/{quote}/confirm",
        None,
        200,
        {**READ_ALL, "annual@demo.test": 404, "lite@demo.test": 404, "member@demo.test": 403},
    ),
]


def call(api: Api, endpoint: Endpoint, who: str, quote_id: str) -> Any:
    token = None if who == "none" else who
    path = endpoint.path.format(quote=quote_id)
    if endpoint.method == "GET":
        return api.get(path, who=token)
    return api.post(path, endpoint.body, who=token)


def account_name(api: Api, who: str) -> str:
    return str(api.get("/api/v1/account", who=who).json()["account"]["name"])


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_every_caller_gets_what_they_may_and_refusals_change_nothing(
    api: Api, endpoint: Endpoint
) -> None:
    quote_id = api.quote()["id"]
    for who in CALLERS:
        expected = endpoint.expected[who]
        status = endpoint.ok if expected == "ok" else expected
        before = snapshot(api.sessions)
        response = call(api, endpoint, who, quote_id)
        assert response.status_code == status, (who, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"
            assert snapshot(api.sessions) == before, who


@pytest.mark.parametrize("who", ["annual@demo.test", "lite@demo.test"])
def test_another_account_sees_none_of_demo_cos_data(api: Api, who: str) -> None:
    bought = api.buy()
    demo_quote = bought["purchase"]["quote_id"]
    for path in ("/api/v1/account", "/api/v1/credits", "/api/v1/invoices"):
        text = api.get(path, who=who).text
        assert "Demo Co" not in text and demo_quote not in text, path
    assert api.get("/api/v1/invoices", who=who).json()["items"] == []
    assert api.get("/api/v1/credits", who=who).json()["available"] == 0
    assert account_name(api, who) != "Demo Co"


def test_a_token_carries_its_users_permissions_as_they_are_now(api: Api) -> None:
    assert (
        api.post("/api/v1/quotes", {"kind": "add_addon"}, who="member@demo.test").status_code == 403
    )
    with transaction(api.sessions) as session:
        session.execute(update(User).where(User.email == "member@demo.test").values(can_bill=True))
    assert (
        api.post("/api/v1/quotes", {"kind": "add_addon"}, who="member@demo.test").status_code == 201
    )
    with transaction(api.sessions) as session:
        session.execute(
            update(User).where(User.email == "billing@demo.test").values(can_bill=False)
        )
    assert (
        api.post("/api/v1/quotes", {"kind": "add_addon"}, who="billing@demo.test").status_code
        == 403
    )
