"""SMPP against a real SMPP server on 127.0.0.1: single and multi-part messages with their
concatenation headers, receipts, enquire_link, a dropped connection mid-batch."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from smsaddon.db import transaction
from smsaddon.gateways import Accepted, Outbound, Refused
from smsaddon.gateways.smpp import SmppConfig, SmppGateway
from smsaddon.gateways.smpp_codec import gsm7_text, parse_receipt
from smsaddon.sms import sending
from smsaddon.worker import Worker
from tests.sending.conftest import GB, Sending
from tests.sending.smpp_peer import Peer

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def peer() -> Iterator[Peer]:
    server = Peer().start()
    yield server
    server.stop()


def _gateway(peer: Peer, **kwargs: object) -> SmppGateway:
    config = SmppConfig(
        host="127.0.0.1",
        port=peer.port,
        system_id="smsaddon",
        password="secret",
        source_addr="+15005550006",
        tps=1000,
        timeout=3,
        **kwargs,
    )  # type: ignore[arg-type]
    return SmppGateway(config)


def _collect(gateway: SmppGateway, want: int) -> list[object]:
    found: list[object] = []
    deadline = time.monotonic() + 5
    while len(found) < want and time.monotonic() < deadline:
        found += gateway.collect(now=NOW).reports
        time.sleep(0.02)
    return found


def test_a_single_part_message_and_its_receipt(peer: Peer) -> None:
    gateway = _gateway(peer)
    [result] = gateway.submit([Outbound("m1", "+447400123456", "Hello {world}")], now=NOW)
    assert isinstance(result, Accepted) and result.gateway_ids == ("peer-1",)
    assert peer.binds == [("smsaddon", "secret")]
    [sent] = peer.submitted
    assert (sent.destination, sent.esm_class, sent.data_coding, sent.registered_delivery) == (
        "447400123456",
        0,
        0,
        1,
    )
    assert gsm7_text(sent.short_message) == "Hello {world}"
    assert sent.short_message[6:8] == b"\x1b\x28"  # "{" is ESC + 0x28
    [report] = _collect(gateway, 1)
    assert (report.gateway_id, report.status) == ("peer-1", "delivered")  # type: ignore[attr-defined]
    gateway.close()


def test_a_multipart_message_carries_a_concatenation_header(peer: Peer) -> None:
    gateway = _gateway(peer)
    body = "a" * 152 + "€" + "b" * 10  # the euro (2 septets) does not straddle: 2 parts
    [result] = gateway.submit([Outbound("m1", "+447400123456", body)], now=NOW)
    assert isinstance(result, Accepted) and len(result.gateway_ids) == 2
    first, second = peer.submitted
    assert first.esm_class == second.esm_class == 0x40
    assert first.short_message[:3] == second.short_message[:3] == b"\x05\x00\x03"
    assert first.short_message[3] == second.short_message[3]  # one reference
    assert (first.short_message[4:6], second.short_message[4:6]) == (b"\x02\x01", b"\x02\x02")
    assert gsm7_text(first.short_message[6:]) + gsm7_text(second.short_message[6:]) == body
    assert len(first.short_message[6:]) == 152  # the next character needs 2 septets
    ucs = "😀" * 40  # 80 UTF-16 units: 67 + 13, the surrogate pair kept whole
    [result] = gateway.submit([Outbound("m2", "+447400123456", ucs)], now=NOW)
    assert isinstance(result, Accepted) and len(result.gateway_ids) == 2
    parts = peer.submitted[2:]
    assert {p.data_coding for p in parts} == {8}
    texts = [p.short_message[6:].decode("utf-16-be") for p in parts]
    assert "".join(texts) == ucs and len(parts[0].short_message[6:]) == 66 * 2
    gateway.close()


def test_a_dropped_connection_mid_batch_sends_nothing_twice(peer: Peer) -> None:
    gateway = _gateway(peer)
    peer.drop_after = 3  # takes two, then drops the connection on the third
    batch = [Outbound(f"m{i}", f"+4474001234{i:02d}", f"Hi {i}") for i in range(5)]
    results = gateway.submit(batch, now=NOW)
    assert [type(r) for r in results[:2]] == [Accepted, Accepted]
    assert all(isinstance(r, Refused) for r in results[2:])
    assert results[2].retryable is False  # type: ignore[union-attr]  # it may have gone
    # Two of the five were sent, the third's fate is unknown; the rest were never sent.
    retry = [
        m for m, r in zip(batch, results, strict=True) if isinstance(r, Refused) and r.retryable
    ]
    assert [m.key for m in retry] == ["m3", "m4"] or [m.key for m in retry] == ["m4"]
    again = gateway.submit(retry, now=NOW)  # reconnects
    assert all(isinstance(r, Accepted) for r in again)
    assert len(peer.binds) == 2
    keys = [s.destination for s in peer.submitted]
    assert len(keys) == len(set(keys))
    gateway.close()


def test_enquire_link_when_idle_and_inbound_messages(peer: Peer) -> None:
    gateway = _gateway(peer, enquire_every=0.0)
    gateway.collect(now=NOW)
    peer.send_inbound("447400123456", "STOP")
    deadline = time.monotonic() + 5
    inbound = []
    while not inbound and time.monotonic() < deadline:
        gateway.submit([], now=NOW)
        inbound = gateway.collect(now=NOW).inbound
        time.sleep(0.05)
    assert [(m.from_e164, m.body) for m in inbound] == [("+447400123456", "STOP")]
    assert peer.enquire_links >= 1
    gateway.close()


def test_an_unreachable_smsc_is_unavailable() -> None:
    from smsaddon.gateways import GatewayUnavailable

    gateway = SmppGateway(SmppConfig(host="127.0.0.1", port=1, system_id="x", password="y"))
    with pytest.raises(GatewayUnavailable):
        gateway.submit([Outbound("m1", "+447400123456", "Hi")], now=NOW)


def test_receipts_are_read_from_their_text() -> None:
    receipt = parse_receipt(
        "id:abc sub:001 dlvrd:000 submit date:2611101200 done "
        "date:2611101201 stat:UNDELIV err:034 text:"
    )
    assert receipt is not None
    assert (receipt.message_id, receipt.status, receipt.error) == (
        "abc",
        "undelivered",
        "UNDELIV (error 034)",
    )
    enroute = parse_receipt("id:abc stat:ENROUTE err:000")
    assert enroute is not None and enroute.status is None


def test_the_pipeline_through_smpp(peer: Peer, world: Sending) -> None:
    gateway = _gateway(peer)
    message = world.send(GB, body="Hello over SMPP")
    worker = Worker(world.sessions, gateway, clock=world.clock)
    deadline = time.monotonic() + 10
    while world.message(message.id).status != "delivered" and time.monotonic() < deadline:
        worker.step()
        time.sleep(0.02)
    assert world.message(message.id).status == "delivered"
    assert world.hold(message.id).state == "captured"  # type: ignore[union-attr]
    assert [s.destination for s in peer.submitted] == [GB.lstrip("+")]
    gateway.close()


def test_a_reclaimed_message_is_never_resent_through_smpp(peer: Peer, world: Sending) -> None:
    message = world.send(GB)
    with transaction(world.sessions) as s:  # a worker claims it, then dies before submitting
        sending.claim(s, worker="dead", now=world.clock(), limit=10, lease=timedelta(seconds=5))
    world.clock.advance(6)
    gateway = _gateway(peer)
    Worker(world.sessions, gateway, clock=world.clock).drain()
    done = world.message(message.id)
    assert (done.status, done.reason) == ("failed", sending.UNKNOWN_OUTCOME)
    assert world.hold(message.id).state == "released"  # type: ignore[union-attr]
    assert peer.submitted == []
    gateway.close()
