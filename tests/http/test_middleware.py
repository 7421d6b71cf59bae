"""The HTTP edges: the body limit, the security headers on every response, the client's
address behind trusted proxies only, and an access log without query strings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.types import Receive, Scope, Send

from smsaddon.config import load_settings
from smsaddon.http.middleware import AccessLogWithoutQueries, ClientAddress, client_address
from smsaddon.http.ratelimit import TokenBuckets
from tests.fixtures.api import Api, make_app
from tests.fixtures.snapshots import snapshot

PROBLEM = "application/problem+json"
LIMIT = 1024
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


@pytest.fixture
def small(api: Api, engine: Engine) -> Iterator[TestClient]:
    """The seeded app with a 1 KB body limit and secure cookies."""
    app = make_app(
        engine,
        SMSADDON_MAX_BODY_BYTES=str(LIMIT),
        SMSADDON_COOKIE_SECURE="true",
        SMSADDON_SECRET_KEY="a-test-secret-key-of-some-length",
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.services.engine.dispose()


def contact(size: int) -> dict[str, str]:
    return {"phone": "+447400123456", "name": "x" * size}


def test_the_body_limit_is_10_mb_by_default_and_configurable() -> None:
    assert load_settings({}).max_body_bytes == 10 * 1024 * 1024
    assert load_settings({"SMSADDON_MAX_BODY_BYTES": "2048"}).max_body_bytes == 2048


def test_a_body_over_the_limit_is_refused_by_its_length_before_authentication(
    api: Api, small: TestClient
) -> None:
    before = snapshot(api.sessions)
    for headers in ({}, api.headers("owner@demo.test")):  # no token: still 413, not 401
        response = small.post("/api/v1/contacts", json=contact(2 * LIMIT), headers=headers)
        assert response.status_code == 413
        assert response.headers["content-type"] == PROBLEM
        assert response.json() == {
            "type": "urn:smsaddon:problem:payload_too_large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"The request body is larger than {LIMIT} bytes.",
            "code": "payload_too_large",
            "instance": "/api/v1/contacts",
            "limit": LIMIT,
        }
        assert response.headers["x-content-type-options"] == "nosniff"
    assert snapshot(api.sessions) == before


def test_a_streamed_body_is_counted_as_it_arrives(api: Api, small: TestClient) -> None:
    """Without a Content-Length (chunked), the bytes are counted; the app never sees the body."""
    before = snapshot(api.sessions)

    def chunks() -> Iterator[bytes]:
        yield b'{"phone": "+447400123456", "name": "'
        for _ in range(4):
            yield b"x" * 512
        yield b'"}'

    headers = {**api.headers("owner@demo.test"), "content-type": "application/json"}
    response = small.post("/api/v1/contacts", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert snapshot(api.sessions) == before


def test_a_body_within_the_limit_goes_through(api: Api, small: TestClient) -> None:
    response = small.post(
        "/api/v1/contacts", json=contact(10), headers=api.headers("owner@demo.test")
    )
    assert response.status_code == 201, response.text


def test_every_response_has_the_security_headers_and_hsts_with_secure_cookies(
    api: Api, small: TestClient
) -> None:
    router = APIRouter()

    @router.get("/api/v1/_probe/crash")
    def crash() -> None:
        raise RuntimeError("a bug")

    small.app.include_router(router)  # type: ignore[attr-defined]
    auth = api.headers("owner@demo.test")
    responses = {
        "API JSON": small.get("/api/v1/account", headers=auth),
        "API problem": small.get("/api/v1/nothing-here", headers=auth),
        "docs": small.get("/docs"),
        "OpenAPI": small.get("/openapi.json"),
        "redirect": small.get("/", follow_redirects=False),
        "static file": small.get("/static/app.css"),
        "page": small.get("/signin"),
        "page not found": small.get("/nothing-here"),
        "server error": small.get("/api/v1/_probe/crash"),
        "too large": small.post("/api/v1/contacts", json=contact(2 * LIMIT)),
    }
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses == {
        "API JSON": 200,
        "API problem": 404,
        "docs": 200,
        "OpenAPI": 200,
        "redirect": 303,
        "static file": 200,
        "page": 200,
        "page not found": 404,
        "server error": 500,
        "too large": 413,
    }
    for name, response in responses.items():
        for header, value in HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
        assert "default-src 'self'" in response.headers["content-security-policy"], name
        assert response.headers["strict-transport-security"] == (
            "max-age=31536000; includeSubDomains"
        ), name
        assert "server" not in response.headers, name


def test_no_hsts_without_secure_cookies(api: Api, engine: Engine) -> None:
    app = make_app(engine, SMSADDON_COOKIE_SECURE="false")
    with TestClient(app) as client:
        response = client.get("/api/v1/account", headers=api.headers("owner@demo.test"))
    app.state.services.engine.dispose()
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers


def test_serve_sends_no_server_header_and_believes_no_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    from smsaddon.cli import serve

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setattr(serve, "upgrade", lambda url: None)
    monkeypatch.setattr(serve, "context", lambda: _services())
    serve.serve(host="127.0.0.1", port=1, worker=False, lease=60)
    assert (seen["server_header"], seen["proxy_headers"]) == (False, False)
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, AccessLogWithoutQueries) for f in access.filters)


def _services() -> Any:
    from smsaddon.wiring import build_services

    return build_services(load_settings({"SMSADDON_DATABASE_URL": "sqlite://"}))


# The client's address ---------------------------------------------------------------------


async def _resolve(trusted: set[str], peer: str, forwarded: list[str]) -> str:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(client_address(scope))

    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    scope = {"type": "http", "client": (peer, 1234), "headers": headers}

    async def nothing() -> Any:
        return {}

    async def drop(message: Any) -> None:
        return None

    await ClientAddress(app, trusted)(scope, nothing, drop)
    return seen[0]


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        (set(), "127.0.0.1", ["203.0.113.7"], "127.0.0.1"),  # none trusted by default
        ({"10.0.0.1"}, "198.51.100.9", ["203.0.113.7"], "198.51.100.9"),  # not a proxy
        ({"10.0.0.1"}, "10.0.0.1", ["203.0.113.7"], "203.0.113.7"),
        ({"10.0.0.1", "10.0.0.2"}, "10.0.0.1", ["6.6.6.6, 203.0.113.7, 10.0.0.2"], "203.0.113.7"),
        ({"10.0.0.1"}, "10.0.0.1", ["not-an-address"], "10.0.0.1"),
        ({"10.0.0.1"}, "10.0.0.1", [], "10.0.0.1"),
    ],
)
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    trusted: set[str], peer: str, forwarded: list[str], client: str
) -> None:
    import asyncio

    assert asyncio.run(_resolve(trusted, peer, forwarded)) == client


def test_trusted_proxies_are_ip_addresses() -> None:
    from smsaddon.errors import ConfigError

    settings = load_settings({"SMSADDON_TRUSTED_PROXIES": "10.0.0.1, ::1"})
    assert settings.trusted_proxies == frozenset({"10.0.0.1", "::1"})
    assert load_settings({}).trusted_proxies == frozenset()
    with pytest.raises(ConfigError, match="SMSADDON_TRUSTED_PROXIES lists 'proxy'"):
        load_settings({"SMSADDON_TRUSTED_PROXIES": "proxy"})


def test_unauthenticated_requests_are_limited_per_address_whatever_they_forward(
    api: Api,
) -> None:
    """From one untrusted address, a changing X-Forwarded-For does not buy new requests."""
    api.app.state.services.api_limits = TokenBuckets(rate=0.001, burst=3)
    answers = [
        api.client.get(
            "/api/v1/account",
            headers={"X-Forwarded-For": f"203.0.113.{n}", "Authorization": "Bearer sms_wrong"},
        ).status_code
        for n in range(5)
    ]
    assert answers == [401, 401, 401, 429, 429]
    # a valid token has its own bucket
    assert api.get("/api/v1/account").status_code == 200


def test_the_access_log_keeps_no_query_string() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.7:5000", "GET", "/api/v1/audit?token=sms_secret&x=1", "1.1", 200),
        None,
    )
    assert AccessLogWithoutQueries().filter(record)
    assert record.getMessage() == '203.0.113.7:5000 - "GET /api/v1/audit HTTP/1.1" 200'
