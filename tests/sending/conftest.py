"""Sending fixtures: Demo Co with the SMS add-on (500 credits), a simulator and a worker."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.billing.demo import seed
from smsaddon.catalog import Catalog
from smsaddon.db import transaction
from smsaddon.gateways import Simulator, SimulatorConfig
from tests.fixtures.api import api, fast_passwords  # noqa: F401  (fixtures for test_api)
from tests.sending.world import GB, IE, NOW, OWNER, Clock, Sending, buy_addon, seeded_world
from tests.web.conftest import demo, page, server, shot, sign_in  # noqa: F401

__all__ = ["GB", "IE", "NOW", "OWNER", "Clock", "Sending", "buy_addon", "seeded_world"]


@pytest.fixture
def world(db: sessionmaker[Session], catalog: Catalog) -> Sending:
    with transaction(db) as session:
        seed(session, password="demo-password", catalog=catalog, now=NOW)
    buy_addon(db, catalog)
    return Sending(db, catalog, simulator=Simulator(SimulatorConfig(dlr_delay=0)))
