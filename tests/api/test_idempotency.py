"""Idempotency-Key: retries replay the first response, a changed request under a used key is
refused, and concurrent retries (real threads against a real server) make one change."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from smsaddon.api.idempotency import purge
from smsaddon.billing.models import IdempotencyKey, Invoice, Purchase, Quote
from smsaddon.credits.models import CreditGrant
from smsaddon.db import transaction, utcnow
from tests.fixtures.api import Api, serving
from tests.fixtures.snapshots import snapshot

QUOTES = "/api/v1/quotes"


def count(api: Api, model: type) -> int:
    with transaction(api.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_retried_quote_replays_the_first_response(api: Api) -> None:
    first = api.post(QUOTES, {"kind": "add_addon"}, key="retry-1")
    assert first.status_code == 201
    before = snapshot(api.sessions)
    again = api.post(QUOTES, {"kind": "add_addon"}, key="retry-1")
    assert (again.status_code, again.content) == (201, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert snapshot(api.sessions) == before
    assert count(api, Quote) == 1


def test_a_retried_confirm_replays_the_first_response(api: Api) -> None:
    quote = api.quote()
    path = f"{QUOTES}/{quote['id']}/confirm"
    first = api.post(path, key="confirm-1")
    assert first.status_code == 200
    before = snapshot(api.sessions)
    again = api.post(path, key="confirm-1")
    assert (again.status_code, again.content) == (200, first.content)
    assert snapshot(api.sessions) == before
    assert (count(api, Purchase), count(api, Invoice)) == (1, 1)


def test_another_user_of_the_account_cannot_replay_a_key(api: Api) -> None:
    """The fingerprint includes the user: a member without the billing permission is refused
    before any replay, and a user with it gets 422, not the owner's response."""
    quote = api.quote()
    path = f"{QUOTES}/{quote['id']}/confirm"
    assert api.post(path, key="confirm-1").status_code == 200
    before = snapshot(api.sessions)
    member = api.post(path, key="confirm-1", who="member@demo.test")
    assert member.status_code == 403
    assert member.json()["code"] == "permission_denied"
    billing = api.post(path, key="confirm-1", who="billing@demo.test")
    assert billing.status_code == 422
    assert billing.json()["code"] == "idempotency_key_reused"
    assert "idempotent-replayed" not in billing.headers
    assert snapshot(api.sessions) == before


@pytest.mark.parametrize(
    "second",
    [
        (QUOTES, {"kind": "remove_addon"}),
        (QUOTES, {"kind": "change_bundle", "bundle_credits": 500}),
        (f"{QUOTES}/00000000-0000-4000-8000-000000000000/confirm", None),
    ],
)
def test_the_same_key_with_another_request_is_refused(api: Api, second: tuple[str, Any]) -> None:
    api.post(QUOTES, {"kind": "add_addon"}, key="used-1")
    before = snapshot(api.sessions)
    response = api.post(*second, key="used-1")
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "idempotency_key_reused"
    assert snapshot(api.sessions) == before


def test_a_refused_request_keeps_no_key(api: Api) -> None:
    assert (
        api.post(QUOTES, {"kind": "add_addon"}, who="member@demo.test", key="k-1").status_code
        == 403
    )
    assert count(api, IdempotencyKey) == 0
    assert api.post(QUOTES, {"kind": "add_addon"}, key="k-1").status_code == 201


def test_keys_belong_to_one_account(api: Api) -> None:
    demo = api.post(QUOTES, {"kind": "add_addon"}, key="shared")
    annual = api.post(QUOTES, {"kind": "add_addon"}, who="annual@demo.test", key="shared")
    assert (demo.status_code, annual.status_code) == (201, 201)
    assert demo.json()["id"] != annual.json()["id"]


@pytest.mark.parametrize("key", ["", "has space", "x" * 201, "tab\there"])
def test_a_malformed_key_is_a_validation_failure(api: Api, key: str) -> None:
    before = snapshot(api.sessions)
    response = api.post(QUOTES, {"kind": "add_addon"}, key=key)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert snapshot(api.sessions) == before


def test_keys_are_kept_a_day_then_purged(api: Api) -> None:
    first = api.post(QUOTES, {"kind": "add_addon"}, key="old").json()
    assert api.post(QUOTES, {"kind": "add_addon"}, key="new").status_code == 201
    now = utcnow()
    with transaction(api.sessions) as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(created_at=now - timedelta(hours=23, minutes=59))
        )
        assert purge(session, now=now) == 0
    assert api.post(QUOTES, {"kind": "add_addon"}, key="old").json() == first
    with transaction(api.sessions) as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(created_at=now - timedelta(hours=24, seconds=1))
        )
        assert purge(session, now=now) == 1
    assert count(api, IdempotencyKey) == 1


# Concurrent retries ----------------------------------------------------------------------------


def together(count_: int, work: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run `work` in `count_` threads released at the same instant."""
    barrier = threading.Barrier(count_)
    results: list[httpx.Response | BaseException | None] = [None] * count_

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work()
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(r, httpx.Response) for r in results), results
    return [r for r in results if isinstance(r, httpx.Response)]


def test_concurrent_retries_of_a_quote_make_one_quote(api: Api) -> None:
    with serving(api.app) as base:
        headers = api.headers("owner@demo.test", key="same-quote")
        responses = together(
            12,
            lambda: httpx.post(
                f"{base}{QUOTES}", json={"kind": "add_addon"}, headers=headers, timeout=60
            ),
        )
    assert {(r.status_code, r.content) for r in responses} == {(201, responses[0].content)}
    assert (count(api, Quote), count(api, IdempotencyKey)) == (1, 1)


def test_concurrent_retries_of_a_confirm_make_one_purchase(api: Api) -> None:
    quote = api.quote()
    with serving(api.app) as base:
        headers = api.headers("owner@demo.test", key="same-confirm")
        url = f"{base}{QUOTES}/{quote['id']}/confirm"
        responses = together(12, lambda: httpx.post(url, headers=headers, timeout=60))
    assert {(r.status_code, r.content) for r in responses} == {(200, responses[0].content)}
    assert (count(api, Purchase), count(api, Invoice), count(api, CreditGrant)) == (1, 1, 1)


def test_concurrent_confirms_with_different_keys_make_one_purchase(api: Api) -> None:
    quote = api.quote()
    keys = iter(range(1000))
    lock = threading.Lock()

    def confirm(base: str) -> httpx.Response:
        with lock:
            key = f"key-{next(keys)}"
        return httpx.post(
            f"{base}{QUOTES}/{quote['id']}/confirm",
            headers=api.headers("owner@demo.test", key=key),
            timeout=60,
        )

    with serving(api.app) as base:
        responses = together(12, lambda: confirm(base))
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["purchase"]["id"] for r in responses}) == 1
    assert (count(api, Purchase), count(api, Invoice), count(api, CreditGrant)) == (1, 1, 1)
