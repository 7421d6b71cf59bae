"""Compliance fixtures: the demo accounts on each database; builders in tests/fixtures."""

from __future__ import annotations

from datetime import datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.accounts import service as accounts_service
from smsaddon.billing.demo import seed
from smsaddon.catalog import Catalog
from smsaddon.db import transaction
from tests.fixtures.compliance import Demo


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def demo(db: sessionmaker[Session], catalog: Catalog, now: datetime) -> Demo:
    with transaction(db) as session:
        seed(session, password="demo-password", catalog=catalog, now=now)
    return Demo(db, now)
