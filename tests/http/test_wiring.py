"""The services are built once, from the settings, and the app and the CLI share them: no
request reads the environment or writes onto app.state, and no GET writes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from smsaddon import billing, compliance
from smsaddon.cli.app import context
from smsaddon.config import load_settings
from smsaddon.db import transaction
from smsaddon.gateways import Capability
from smsaddon.web.app import create_app
from smsaddon.wiring import build_services
from tests.fixtures.api import Api
from tests.fixtures.compliance import BRAND, CAMPAIGN

SMPP = {
    "SMSADDON_GATEWAY": "smpp",
    "SMSADDON_SMPP_HOST": "127.0.0.1",
    "SMSADDON_SMPP_SYSTEM_ID": "smsaddon",
}


def test_every_service_comes_from_the_settings(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SMSADDON_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "SMSADDON_PAYMENT_PROVIDER": "declining",
            "SMSADDON_REVIEW_DELAY_SECONDS": "90",
            "SMSADDON_API_RATE": "2.5",
            "SMSADDON_API_BURST": "7",
            "SMSADDON_SIMULATOR_STORE": str(tmp_path / "carrier.db"),
        }
    )
    services = build_services(settings)
    assert isinstance(services.payments, billing.DecliningProvider)
    assert services.reviewer == compliance.SimulatedReviewer(delay=timedelta(seconds=90))
    assert services.numbers == compliance.SimulatedPool()
    assert (services.api_limits.rate, services.api_limits.burst) == (2.5, 7)
    assert services.catalog.version == "2026-11"
    app = create_app(services=services)
    assert app.state.services is services
    services.close()


def test_capabilities_are_asked_of_the_seam_without_connecting(tmp_path: Path) -> None:
    store = tmp_path / "carrier.db"
    simulator = build_services(load_settings({"SMSADDON_SIMULATOR_STORE": str(store)}))
    assert simulator.can(Capability.INJECT_INBOUND)
    assert not store.exists()  # nothing was opened to answer
    assert simulator.injector() is simulator.gateway
    simulator.close()
    smpp = build_services(load_settings(SMPP))
    assert not smpp.can(Capability.INJECT_INBOUND)
    assert smpp.injector() is None
    smpp.close()


def test_the_cli_builds_its_services_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSADDON_REVIEW_DELAY_SECONDS", "30")
    context.cache_clear()
    try:
        assert context().reviewer == compliance.SimulatedReviewer(delay=timedelta(seconds=30))
        assert context() is context()
    finally:
        context().close()
        context.cache_clear()


def test_reading_the_registration_applies_no_due_review(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a submitted registration whose review is due, when it is read, then it is still
    submitted (a GET writes nothing, whatever the environment now says); the worker's step
    applies the decision."""
    api.app.state.services.reviewer = compliance.SimulatedReviewer(delay=timedelta(0))
    brand = {**BRAND.__dict__}
    campaign = {**CAMPAIGN.__dict__, "sample_messages": list(CAMPAIGN.sample_messages)}
    auth = api.headers("owner@demo.test")
    assert api.client.put("/api/v1/registration/brand", json=brand, headers=auth).is_success
    assert api.client.put("/api/v1/registration/campaign", json=campaign, headers=auth).is_success
    assert api.post("/api/v1/registration/submit").json()["status"] == "submitted"
    monkeypatch.setenv("SMSADDON_REVIEW_DELAY_SECONDS", "0")

    assert api.get("/api/v1/registration").json()["status"] == "submitted"

    services = api.app.state.services
    with transaction(services.sessions) as session:
        assert compliance.review_due(session, reviewer=services.reviewer, now=services.clock())
    assert api.get("/api/v1/registration").json()["status"] == "approved"
