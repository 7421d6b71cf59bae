"""The simulator is deterministic under a seed; gateway settings name what is wrong."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smsaddon.config import load_settings
from smsaddon.errors import ConfigError
from smsaddon.gateways import (
    Accepted,
    Outbound,
    Refused,
    Simulator,
    SimulatorConfig,
    make_gateway,
)
from smsaddon.gateways.carrier_store import carrier_sends

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


def test_the_carrier_does_not_remember_a_message_sent_twice(tmp_path: Path) -> None:
    """Like a real carrier: the same message submitted again is taken again, with new ids;
    the journal shows both (the worker must never do it)."""
    simulator = Simulator(SimulatorConfig(store=tmp_path / "carrier.db"))
    [first] = simulator.submit([Outbound("m1", "+447400123456", "Hi")], now=NOW)
    [again] = simulator.submit([Outbound("m1", "+447400123456", "Hi")], now=NOW)
    assert isinstance(first, Accepted) and isinstance(again, Accepted)
    assert first.gateway_ids != again.gateway_ids
    simulator.close()
    assert carrier_sends(tmp_path / "carrier.db") == {"m1": 2}


def test_every_process_shares_the_carriers_memory(tmp_path: Path) -> None:
    """Two simulators on one store (two processes, or one restarted): busy once is once for
    both, ids never collide, and an item handed out by one and not acknowledged is handed out
    again, by either, only after the visibility timeout."""
    config = SimulatorConfig(store=tmp_path / "carrier.db", visibility=10)
    one, two = Simulator(config), Simulator(config)
    busy = Outbound("m1", "+447400120002", "Hi")  # *0002: busy once
    [refused] = one.submit([busy], now=NOW)
    [taken] = two.submit([busy], now=NOW)
    assert isinstance(refused, Refused) and refused.retryable
    assert isinstance(taken, Accepted)
    two.inject(from_e164="+447400123456", body="STOP", at=NOW)
    handed = one.collect(now=NOW)
    assert (len(handed.reports), len(handed.inbound)) == (1, 1)
    assert len(two.collect(now=NOW)) == 0  # hidden while `one` may be applying them
    later = NOW + timedelta(seconds=10)
    again = two.collect(now=later)
    assert again.receipts() == handed.receipts()
    assert again.inbound[0].gateway_id == handed.inbound[0].gateway_id
    two.ack(again.receipts(), now=later)
    assert one.pending() == 0 and len(one.collect(now=later + timedelta(seconds=60))) == 0
    one.close()
    two.close()


def test_the_pause_hook_stops_after_the_carrier_took_the_batch(tmp_path: Path) -> None:
    pause = tmp_path / "pause"
    pause.write_text("2")
    simulator = Simulator(SimulatorConfig(store=tmp_path / "carrier.db", pause=pause))
    simulator.submit([Outbound("m1", "+447400123456", "Hi")], now=NOW)  # the first goes on
    assert not (tmp_path / "pause.reached").exists()
    done = threading.Event()
    second = threading.Thread(
        target=lambda: (
            simulator.submit([Outbound("m2", "+447400123457", "Hi")], now=NOW),
            done.set(),
        )
    )
    second.start()
    while not (tmp_path / "pause.reached").exists():
        assert second.is_alive()
        time.sleep(0.01)
    assert not done.is_set() and simulator.sends == 2  # taken, not answered
    pause.unlink()
    second.join(timeout=30)
    assert done.is_set()
    simulator.close()


def test_gateway_settings(tmp_path: Path) -> None:
    store = {"SMSADDON_SIMULATOR_STORE": str(tmp_path / "carrier.db")}
    assert isinstance(make_gateway(load_settings(store).gateway), Simulator)
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
