"""The request's unit of work: commit before the response is sent, roll back on any error,
reads without the writer lock and without writes, the caller resolved once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, Response
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from starlette.types import Message, Receive, Scope, Send

from smsaddon.db import transaction
from smsaddon.errors import Conflict
from smsaddon.http.problems import ProblemRoute
from smsaddon.http.unit import ApiRead, ApiWrite, PageRead, PageWrite
from smsaddon.sms.models import Contact
from tests.fixtures.api import PASSWORD, Api

PROBLEM = "application/problem+json"


def count_contacts(api: Api) -> int:
    """Counted on a connection of the test's own, outside the app."""
    with transaction(api.sessions, readonly=True) as session:
        return int(session.scalar(select(func.count()).select_from(Contact)) or 0)


def add_contact(unit: Any) -> None:
    unit.session.add(
        Contact(
            account_id=unit.user.account_id,
            e164="+14155550100",
            region="US",
            time_zones="America/Los_Angeles",
            created_at=unit.now,
            updated_at=unit.now,
        )
    )
    unit.session.flush()


@pytest.fixture
def probe_routes(api: Api) -> None:
    """Routes that exist only for these tests, on the app under test."""
    router = APIRouter(prefix="/api/v1/_probe", route_class=ProblemRoute)

    @router.post("/write")
    def write(unit: ApiWrite) -> dict[str, int]:
        add_contact(unit)
        return {"user": unit.user.id}

    @router.post("/write-then-refuse")
    def write_then_refuse(unit: ApiWrite) -> dict[str, int]:
        add_contact(unit)
        raise Conflict("Refused after a write.")

    @router.post("/write-then-crash")
    def write_then_crash(unit: ApiWrite) -> dict[str, int]:
        add_contact(unit)
        raise RuntimeError("a bug, with a secret in its text: sms_secret")

    @router.get("/read-then-write")
    def read_then_write(unit: ApiRead) -> dict[str, int]:
        add_contact(unit)
        return {"user": unit.user.id}

    @router.get("/read")
    def read(unit: ApiRead) -> dict[str, int]:
        return {"contacts": int(unit.session.scalar(text("SELECT count(*) FROM contacts")))}

    api.app.include_router(router)


def test_the_commit_is_visible_before_the_first_byte_of_the_response(
    api: Api, probe_routes: None
) -> None:
    """Given a handler that writes, when its response starts, then another connection already
    sees the write: a client never acts on what was not committed."""
    seen_at_start: list[int] = []

    async def watching(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen_at_start.append(count_contacts(api))
            await send(message)

        await api.app(scope, receive, send_watched)

    with TestClient(watching) as client:
        response = client.post("/api/v1/_probe/write", headers=api.headers("owner@demo.test"))
    assert response.status_code == 200, response.text
    assert seen_at_start == [1]


def test_a_domain_error_rolls_back_and_answers_problem_details(
    api: Api, probe_routes: None
) -> None:
    response = api.post("/api/v1/_probe/write-then-refuse")
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "conflict"
    assert response.json()["detail"] == "Refused after a write."
    assert count_contacts(api) == 0


def test_an_unexpected_error_rolls_back_and_answers_internal_error_without_details(
    api: Api, probe_routes: None
) -> None:
    with TestClient(api.app, raise_server_exceptions=False) as client:
        response = client.post(
            "/api/v1/_probe/write-then-crash", headers=api.headers("owner@demo.test")
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "urn:smsaddon:problem:internal_error",
        "title": "Internal error",
        "status": 500,
        "detail": "Something went wrong on our side; nothing you sent caused it. Try again later.",
        "code": "internal_error",
        "instance": "/api/v1/_probe/write-then-crash",
    }
    assert "sms_secret" not in response.text
    assert count_contacts(api) == 0


def test_a_read_only_unit_refuses_writes(api: Api, probe_routes: None) -> None:
    with TestClient(api.app, raise_server_exceptions=False) as client:
        response = client.get(
            "/api/v1/_probe/read-then-write", headers=api.headers("owner@demo.test")
        )
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert count_contacts(api) == 0


def test_a_read_does_not_wait_for_a_writer(api: Api, probe_routes: None) -> None:
    """Given a writing transaction held open on the app's own engine (its process-wide writer
    lock on SQLite, and the database's write lock), a read answers at once."""
    with transaction(api.app.state.services.sessions) as writer:
        writer.execute(text("SELECT 1 FROM contacts"))
        response = api.get("/api/v1/_probe/read")
    assert response.status_code == 200, response.text
    assert response.json() == {"contacts": 0}


def test_without_a_valid_token_nothing_runs(api: Api, probe_routes: None) -> None:
    for who in (None, "revoked"):
        response = api.post("/api/v1/_probe/write", who=who)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
    assert count_contacts(api) == 0


@pytest.fixture
def page_routes(api: Api) -> None:
    router = APIRouter(prefix="/_probe")

    @router.get("/page")
    def page(unit: PageRead) -> Response:
        return unit.render("error.html", {"title": "Probe", "message": unit.user.email})

    @router.post("/refuse")
    def refuse(unit: PageWrite) -> Response:
        add_contact(unit)
        raise Conflict("Refused after a write.")

    @router.post("/refused")
    def refused(unit: PageWrite) -> Response:
        add_contact(unit)
        return unit.refused(Conflict("Refused after a write."), back="/contacts")

    api.app.include_router(router)


@pytest.fixture
def https(api: Api) -> Iterator[TestClient]:
    """A client over https, which secure cookies (the default on PostgreSQL) need."""
    with TestClient(api.app, base_url="https://testserver") as client:
        yield client


def sign_in(client: TestClient, email: str) -> None:
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/signin").text)
    assert found
    form = {"email": email, "password": PASSWORD, "csrf_token": found.group(1)}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303


def test_a_page_unit_needs_a_signed_in_user(api: Api, https: TestClient, page_routes: None) -> None:
    response = https.get("/_probe/page", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/_probe/page"


def test_a_page_unit_renders_for_its_user(api: Api, https: TestClient, page_routes: None) -> None:
    sign_in(https, "member@demo.test")
    response = https.get("/_probe/page")
    assert response.status_code == 200
    assert "member@demo.test" in response.text


def test_a_refused_page_step_rolls_back_and_says_so(
    api: Api, https: TestClient, page_routes: None
) -> None:
    sign_in(https, "owner@demo.test")
    found = re.search(r'name="csrf-token" content="([^"]+)"', https.get("/_probe/page").text)
    assert found
    fetch = {"X-CSRF-Token": found.group(1), "X-Requested-With": "fetch"}
    raised = https.post("/_probe/refuse", headers=fetch)
    assert raised.status_code == 409
    assert '<p class="error" role="alert">Refused after a write. Nothing was changed.</p>' in (
        raised.text
    )
    form = {"X-CSRF-Token": found.group(1)}
    returned = https.post("/_probe/refused", headers=form, follow_redirects=False)
    assert returned.status_code == 303
    assert returned.headers["location"] == "/contacts"
    assert count_contacts(api) == 0
