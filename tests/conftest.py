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
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import models
from smsaddon.catalog import Catalog, load_catalog
from smsaddon.config import DEFAULT_CATALOG
from smsaddon.db import make_engine, session_factory
from tests.fixtures.database import PG_ADMIN_URL, empty_all_tables, pg_unreachable


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run (SQLAlchemy URL)."""
    reason = pg_unreachable()
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
        empty_all_tables(engine)
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
