"""API fixtures: the app on the test's database (SQLite, then PostgreSQL), seeded with the demo
data, and a token for each demo user (plus a revoked one)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.accounts import service as accounts_service
from smsaddon.accounts import user_by_email
from smsaddon.accounts.tokens import create_token, revoke_token
from smsaddon.api.ratelimit import TokenBuckets
from smsaddon.billing.demo import seed
from smsaddon.catalog import Catalog
from smsaddon.config import load_settings
from smsaddon.db import transaction, utcnow
from smsaddon.web.app import create_app

PASSWORD = "demo-password"
USERS = (
    "owner@demo.test",
    "billing@demo.test",
    "member@demo.test",
    "annual@demo.test",
    "lite@demo.test",
)


def make_app(engine: Engine, **env: str) -> FastAPI:
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(load_settings({"SMSADDON_DATABASE_URL": url, **env}))
    app.state.api_rate_limits = TokenBuckets(rate=1_000_000, burst=1_000_000)
    return app


@dataclass
class Api:
    """The seeded app, a client for it, and tokens by email ("revoked" for a revoked one)."""

    app: FastAPI
    client: TestClient
    sessions: sessionmaker[Session]
    catalog: Catalog
    tokens: dict[str, str]

    def headers(self, who: str | None, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str, who: str | None = "owner@demo.test", **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(who), **kwargs)

    def post(
        self,
        path: str,
        json: Any = None,
        who: str | None = "owner@demo.test",
        key: str | None = None,
    ) -> Any:
        return self.client.post(path, json=json, headers=self.headers(who, key))

    def quote(
        self, who: str = "owner@demo.test", kind: str = "add_addon", **fields: Any
    ) -> dict[str, Any]:
        response = self.post("/api/v1/quotes", {"kind": kind, **fields}, who=who)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def buy(self, kind: str = "add_addon", **fields: Any) -> dict[str, Any]:
        quote = self.quote(kind=kind, **fields)
        response = self.post(f"/api/v1/quotes/{quote['id']}/confirm")
        assert response.status_code == 200, response.text
        return dict(response.json())


def seed_with_tokens(sessions: sessionmaker[Session], catalog: Catalog) -> dict[str, str]:
    now = utcnow()
    tokens: dict[str, str] = {}
    with transaction(sessions) as session:
        seed(session, password=PASSWORD, catalog=catalog, now=now)
        for email in USERS:
            _, tokens[email] = create_token(
                session, user=user_by_email(session, email), name="tests", now=now
            )
        owner = user_by_email(session, "owner@demo.test")
        revoked, tokens["revoked"] = create_token(session, user=owner, name="old", now=now)
        revoke_token(session, user=owner, token_id=revoked.id, now=now)
    return tokens


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap password hashing for seeding: these tests sign in with tokens, never passwords."""
    monkeypatch.setattr(
        accounts_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def api(
    engine: Engine, db: sessionmaker[Session], catalog: Catalog, fast_passwords: None
) -> Iterator[Api]:
    tokens = seed_with_tokens(db, catalog)
    app = make_app(engine)
    with TestClient(app) as client:
        yield Api(app, client, db, catalog, tokens)
    app.state.engine.dispose()


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """`app` under a real uvicorn server on 127.0.0.1, in a thread; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
