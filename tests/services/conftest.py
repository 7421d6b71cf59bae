from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.billing.demo import seed
from smsaddon.catalog import Catalog
from smsaddon.db import transaction
from tests.services.world import NOW, World


@pytest.fixture
def world(db: sessionmaker[Session], catalog: Catalog) -> World:
    """The demo accounts, seeded at NOW."""
    with transaction(db) as session:
        seed(session, password="demo-password", catalog=catalog, now=NOW)
    return World(db, catalog)
