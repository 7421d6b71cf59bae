"""Shared fixtures. Database tests run once on SQLite and once on PostgreSQL.

PostgreSQL comes from SMSADDON_TEST_PG_URL (default: the local server, database `test`);
each test run creates its own database and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import models
from smsaddon.catalog import Catalog, load_catalog
from smsaddon.config import DEFAULT_CATALOG
from smsaddon.db import make_engine, session_factory
from tests.web.webtools import CHROMIUM, CHROMIUM_ARGS, skip_or_fail

PG_ADMIN_URL = os.environ.get("SMSADDON_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run (SQLAlchemy URL)."""
    reason = _pg_reachable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"smsaddon_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    models.Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(models.Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty schema on each database in turn."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        models.Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("pg_engine")
        _empty_all_tables(engine)
        yield engine


@pytest.fixture
def db(engine: Engine) -> sessionmaker[Session]:
    """The session factory; a test is the entrypoint and owns its transactions."""
    return session_factory(engine)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DEFAULT_CATALOG)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


# One Chromium for the whole run: Playwright's sync API allows one instance per thread.
@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: install Debian's chromium (make test-deps)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()
