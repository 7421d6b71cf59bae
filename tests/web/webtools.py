"""Web test helpers: a real uvicorn server in a thread, and what the database holds.

Each server runs in a thread on 127.0.0.1 (a free port) against its own database: a temporary
SQLite file, or a fresh PostgreSQL database where a test asks for one. `LiveServer.reset()`
empties it and seeds the demo data again, so every test starts from the same accounts. The
`facts()` helper reads what the database holds about an account, for tests to assert on.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Page
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import billing, models
from smsaddon.accounts import User, find_account, user_by_email
from smsaddon.billing.demo import seed
from smsaddon.billing.models import Invoice, Purchase, Quote, Subscription
from smsaddon.catalog import Catalog
from smsaddon.config import load_settings
from smsaddon.credits.models import CreditGrant
from smsaddon.db import transaction, utcnow
from smsaddon.web.app import create_app
from smsaddon.wiring import Services

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "demo-password"
SECRET = "web-tests-secret-key-0123456789"
PG_ADMIN_URL = os.environ.get("SMSADDON_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


# shot(page, "step") saves a numbered screenshot; sign_in(page, server, email) signs in.
Shot = Callable[[Page, str], Path]
SignIn = Callable[..., None]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def skip_or_fail(reason: str) -> None:
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass(frozen=True)
class AccountFacts:
    """What the database holds about one account's purchases."""

    sms_addon: bool
    bundle_credits: int
    pending_bundle_credits: int | None
    subscription_version: int
    quotes: int
    purchases: list[int]  # amounts
    invoices: list[tuple[str, int]]  # (key, total), oldest first
    grants: list[tuple[str, int]]  # (source, amount), oldest first


@dataclass
class LiveServer:
    url: str
    app: FastAPI

    @property
    def services(self) -> Services:
        return self.app.state.services  # type: ignore[no-any-return]

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.services.sessions

    @property
    def catalog(self) -> Catalog:
        return self.services.catalog

    def reset(self) -> None:
        """An empty database with the demo data, and no sign-in failures counted."""
        engine = self.services.engine
        tables = [t.name for t in reversed(models.Base.metadata.sorted_tables)]
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
        with transaction(self.sessions) as session:
            seed(session, password=PASSWORD, catalog=self.catalog, now=utcnow())

    def user(self, email: str) -> User:
        with transaction(self.sessions) as session:
            return user_by_email(session, email)

    def facts(self, account_name: str) -> AccountFacts:
        with transaction(self.sessions) as session:
            account_id = find_account(session, account_name).id
            sub = session.scalars(
                select(Subscription).where(Subscription.account_id == account_id)
            ).one()
            return AccountFacts(
                sms_addon=sub.sms_addon,
                bundle_credits=sub.bundle_credits,
                pending_bundle_credits=sub.pending_bundle_credits,
                subscription_version=sub.version,
                quotes=len(
                    session.scalars(select(Quote).where(Quote.account_id == account_id)).all()
                ),
                purchases=[
                    p.amount
                    for p in session.scalars(
                        select(Purchase)
                        .where(Purchase.account_id == account_id)
                        .order_by(Purchase.id)
                    )
                ],
                invoices=[
                    (i.key, i.total)
                    for i in session.scalars(
                        select(Invoice).where(Invoice.account_id == account_id).order_by(Invoice.id)
                    )
                ],
                grants=[
                    (g.source, g.amount)
                    for g in session.scalars(
                        select(CreditGrant)
                        .where(CreditGrant.account_id == account_id)
                        .order_by(CreditGrant.id)
                    )
                ],
            )

    def latest_quote(self, account_name: str) -> Quote:
        with transaction(self.sessions) as session:
            account_id = find_account(session, account_name).id
            return session.scalars(
                select(Quote)
                .where(Quote.account_id == account_id)
                .order_by(Quote.created_at.desc())
            ).first()  # type: ignore[return-value]

    def expire_quote(self, quote_id: str) -> None:
        """Move the quote's expiry into the past, as if the customer had waited too long."""
        with transaction(self.sessions) as session:
            quote = session.get(Quote, quote_id)
            assert quote is not None
            quote.expires_at = utcnow() - timedelta(seconds=1)

    def open_quote(self, email: str, bundle_credits: int | None = None) -> str:
        """A quote made through the services by `email` (the add-on, or a bundle change)."""
        ttl = self.services.settings.quote_ttl_seconds
        with transaction(self.sessions) as session:
            actor = user_by_email(session, email)
            if bundle_credits is None:
                quote = billing.quote_add_addon(
                    session, actor=actor, catalog=self.catalog, now=utcnow(), ttl_seconds=ttl
                )
            else:
                quote = billing.quote_change_bundle(
                    session,
                    actor=actor,
                    catalog=self.catalog,
                    bundle_credits=bundle_credits,
                    now=utcnow(),
                    ttl_seconds=ttl,
                )
            return quote.id

    def buy(self, email: str, bundle_credits: int | None = None) -> None:
        """Buy the add-on (or change the bundle) through the services, as `email`."""
        quote_id = self.open_quote(email, bundle_credits)
        with transaction(self.sessions) as session:
            billing.confirm(
                session,
                actor=user_by_email(session, email),
                quote_id=quote_id,
                catalog=self.catalog,
                payments=self.services.payments,
                now=utcnow(),
            )


@contextmanager
def live_server(database_url: str, **env: str) -> Iterator[LiveServer]:
    settings = load_settings(
        {"SMSADDON_DATABASE_URL": database_url, "SMSADDON_SECRET_KEY": SECRET, **env}
    )
    app = create_app(settings)
    models.Base.metadata.create_all(app.state.engine)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    live = LiveServer(url=f"http://127.0.0.1:{port}", app=app)
    live.reset()
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        app.state.engine.dispose()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database (SQLAlchemy URL), dropped afterwards."""
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        skip_or_fail(f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc}")
    name = f"smsaddon_web_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Over HTTP, without a browser -----------------------------------------------------------------

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(http: httpx.Client, path: str = "/signin") -> str:
    """The CSRF token of the page at `path`, as its forms post it."""
    match = CSRF.search(http.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in_http(http: httpx.Client, email: str) -> None:
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(http)}
    assert http.post("/signin", data=data).status_code == 303
