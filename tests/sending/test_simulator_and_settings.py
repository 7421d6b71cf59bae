"""The simulator is deterministic under a seed; gateway settings name what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from smsaddon.config import load_settings
from smsaddon.errors import ConfigError
from smsaddon.gateways import Accepted, Outbound, Simulator, SimulatorConfig, make_gateway
from smsaddon.gateways.simulator import journal_sends

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def _outcomes(seed: int, keys: list[str]) -> dict[str, str]:
    config = SimulatorConfig(seed=seed, rules=(), replies=(), undelivered_rate=0.2, reject_rate=0.1)
    simulator = Simulator(config)
    results = simulator.submit([Outbound(k, "+447400123456", "Hi") for k in keys], now=NOW)
    reports = {r.gateway_id: r.status for r in simulator.collect(now=NOW).reports}
    return {
        r.key: (reports[r.gateway_ids[0]] if isinstance(r, Accepted) else "rejected")
        for r in results
    }


def test_outcomes_depend_on_the_seed_and_key_only() -> None:
    keys = [f"m{i}" for i in range(300)]
    first = _outcomes(7, keys)
    assert first == _outcomes(7, list(reversed(keys)))
    assert first != _outcomes(8, keys)
    counts = {o: list(first.values()).count(o) for o in set(first.values())}
    assert set(counts) == {"delivered", "undelivered", "rejected"}


def test_a_repeated_key_is_answered_not_sent_again(tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    simulator = Simulator(SimulatorConfig(journal=journal))
    first = simulator.submit([Outbound("m1", "+447400123456", "Hi")], now=NOW)
    simulator.close()
    again = Simulator(SimulatorConfig(journal=journal))  # a restarted process
    assert again.submit([Outbound("m1", "+447400123456", "Hi")], now=NOW) == first
    assert [r.gateway_id for r in again.collect(now=NOW).reports] == ["sim-m1"]
    again.close()
    assert journal_sends(journal) == {"m1": 1}


def test_gateway_settings() -> None:
    assert isinstance(make_gateway(load_settings({}).gateway), Simulator)
    smpp = load_settings(
        {
            "SMSADDON_GATEWAY": "smpp",
            "SMSADDON_SMPP_HOST": "smsc.example",
            "SMSADDON_SMPP_SYSTEM_ID": "acme",
            "SMSADDON_SMPP_TPS": "20",
        }
    )
    assert (smpp.gateway.smpp_host, smpp.gateway.smpp_tps) == ("smsc.example", 20)
    with pytest.raises(ConfigError, match="SMSADDON_GATEWAY"):
        load_settings({"SMSADDON_GATEWAY": "carrier-pigeon"})
    with pytest.raises(ConfigError, match="SMSADDON_SMPP_HOST"):
        load_settings({"SMSADDON_GATEWAY": "smpp"})
    with pytest.raises(ConfigError, match="SMSADDON_SMPP_TPS"):
        load_settings({"SMSADDON_SMPP_TPS": "0"})
