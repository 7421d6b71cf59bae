"""SMPP against a real SMPP server on 127.0.0.1: single and multi-part messages with their
concatenation headers, receipts answered only once committed, enquire_link, a dropped
connection mid-batch, throttled parts sent again, refused binds backing off, TON/NPI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from smsaddon import models
from smsaddon.catalog import Catalog
from smsaddon.db import make_engine, transaction
from smsaddon.gateways import (
    Accepted,
    Capability,
    GatewayUnavailable,
    Inbound,
    OnAccepted,
    Outbound,
    Refused,
    StatusReport,
    SubmitResult,
)
from smsaddon.gateways.smpp import LOST, SmppConfig, SmppGateway, reference_of
from smsaddon.gateways.smpp_codec import gsm7_text, parse_receipt
from smsaddon.sms import sending
from smsaddon.sms.models import InboundMessage, Message, PendingReport
from smsaddon.sms.optouts import HELP_REPLY
from smsaddon.worker import Worker
from tests.fixtures.sending import GB, IE, Sending
from tests.fixtures.smpp_peer import Peer

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def peer() -> Iterator[Peer]:
    server = Peer().start()
    yield server
    server.stop()


def _gateway(peer: Peer, **kwargs: object) -> SmppGateway:
    settings: dict[str, object] = {"source_addr": "+15005550006", "tps": 1000, "timeout": 3}
    config = SmppConfig(
        host="127.0.0.1",
        port=peer.port,
        system_id="smsaddon",
        password="secret",
        **(settings | kwargs),  # type: ignore[arg-type]
    )
    return SmppGateway(config)


def _collect(gateway: SmppGateway, want: int) -> list[StatusReport]:
    """Collect (and acknowledge) until `want` reports came, or 5 s passed."""
    found: list[StatusReport] = []
    deadline = time.monotonic() + 5
    while len(found) < want and time.monotonic() < deadline:
        collected = gateway.collect(now=NOW)
        gateway.ack(collected.receipts(), now=NOW)
        found += collected.reports
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
    assert sent.source == (1, 1, "15005550006") and sent.dest_ton_npi == (1, 1)
    [report] = _collect(gateway, 1)
    assert (report.gateway_id, report.status) == ("peer-1", "delivered")
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
    assert results[2] == Refused("m2", LOST, retryable=False)  # it may have gone
    # Refused as retryable only what never left: sent again, each reaches the SMSC once.
    retry = [
        m for m, r in zip(batch, results, strict=True) if isinstance(r, Refused) and r.retryable
    ]
    again = gateway.submit(retry, now=NOW)  # binds again
    assert all(isinstance(r, Accepted) for r in again)
    assert len(peer.binds) == 2
    keys = [s.destination for s in peer.submitted]
    assert len(keys) == len(set(keys))
    gateway.close()


def test_a_throttled_later_part_is_sent_again_with_the_same_reference(peer: Peer) -> None:
    """Given the SMSC throttles part 2 of a message once, then that part alone is sent again
    (same concatenation reference and sequence) and the message is accepted whole."""
    gateway = _gateway(peer, part_backoff=0.01)
    peer.throttle = {2}
    [result] = gateway.submit([Outbound("m300", "+447400123456", "x" * 200)], now=NOW)
    assert isinstance(result, Accepted) and len(result.gateway_ids) == 2
    assert peer.offered == 3
    first, second = peer.submitted
    assert first.short_message[:6] == bytes((5, 0, 3, 300 % 256, 2, 1))
    assert second.short_message[:6] == bytes((5, 0, 3, 300 % 256, 2, 2))
    gateway.close()


def test_a_part_refused_every_time_fails_the_message_whole(peer: Peer) -> None:
    gateway = _gateway(peer, part_backoff=0.01, part_tries=3)
    peer.throttle_all_after = 1  # part 1 goes, part 2 is throttled every time
    [result] = gateway.submit([Outbound("m1", "+447400123456", "x" * 200)], now=NOW)
    assert isinstance(result, Refused) and not result.retryable
    assert result.reason.startswith("the SMSC took only some of the parts")
    assert "throttling error" in result.reason and "(" not in result.reason.split(":")[0]
    assert peer.offered == 1 + 3 and len(peer.submitted) == 1
    gateway.close()


def test_no_more_than_the_window_of_submit_sm_waits_for_an_answer(peer: Peer) -> None:
    """Given an SMSC that answers only once three submit_sm wait, a window of 2 never sends a
    third (the batch times out, its fate unknown); a window of 3 goes through, reading the
    answers and receipts that come while it writes."""
    peer.answer_in_groups_of = 3
    batch = [Outbound(f"m{i}", f"+4474001234{i:02d}", "Hi") for i in range(6)]
    narrow = _gateway(peer, window=2, timeout=0.5)
    results = narrow.submit(batch, now=NOW)
    assert peer.most_waiting == 2 and len(peer.submitted) == 2
    assert [r.retryable for r in results if isinstance(r, Refused)] == [False] * 2 + [True] * 4
    narrow.close()
    peer.answer_in_groups_of, peer.submitted, peer.most_waiting = 3, [], 0
    wide = _gateway(peer, window=3)
    assert all(isinstance(r, Accepted) for r in wide.submit(batch, now=NOW))
    assert peer.most_waiting == 3 and len(_collect(wide, 6)) == 6
    wide.close()


def test_references_come_from_the_message_id_in_every_process(peer: Peer) -> None:
    for key in ("m41", "m42", "m298"):  # each from a process of its own
        gateway = _gateway(peer)
        gateway.submit([Outbound(key, "+447400123456", "y" * 200)], now=NOW)
        gateway.close()
    assert [s.short_message[3] for s in peer.submitted[::2]] == [41, 42, 298 % 256]
    assert reference_of("m41") == 41


def test_the_source_ton_and_npi_are_configurable(peer: Peer) -> None:
    gateway = _gateway(peer, source_addr="ACME", dest_ton=2, dest_npi=8)
    gateway.submit([Outbound("m1", "+447400123456", "Hi")], now=NOW)
    gateway.close()
    alphanumeric = _gateway(peer, source_addr="ACME", source_ton=3, source_npi=9)
    alphanumeric.submit([Outbound("m2", "+447400123456", "Hi")], now=NOW)
    alphanumeric.close()
    assert [(s.source, s.dest_ton_npi) for s in peer.submitted] == [
        ((5, 0, "ACME"), (2, 8)),
        ((3, 9, "ACME"), (1, 1)),
    ]


def test_a_refused_bind_backs_off_and_the_waiting_message_says_why(
    peer: Peer, world: Sending
) -> None:
    """Given a wrong password, then the gateway binds again only after a growing pause, and
    the message waits, queued, with the reason in words; no attempt is spent."""
    peer.refuse_binds = 0x0000000E  # invalid password
    gateway = _gateway(peer, bind_backoff=60)
    message = world.send(GB)
    worker = Worker(world.sessions, gateway, clock=world.clock)
    assert worker.send_batch() == 1
    assert worker.send_batch() == 0  # it waits: not due again yet
    waiting = world.message(message.id)
    assert (waiting.status, waiting.attempts) == ("queued", 0)
    assert waiting.reason == "cannot bind: invalid password"
    with pytest.raises(GatewayUnavailable, match="cannot bind: invalid password"):
        gateway.submit([Outbound("m9", GB, "Hi")], now=NOW)  # within the pause: no bind
    assert len(peer.binds) == 1
    gateway.close()


def test_a_receipt_is_answered_only_once_acknowledged(peer: Peer) -> None:
    """Given a receipt received and not acknowledged (the transaction failed, or the worker
    died), then the SMSC gets no deliver_sm_resp and sends it again on the next bind."""
    gateway = _gateway(peer)
    gateway.submit([Outbound("m1", "+447400123456", "Hi")], now=NOW)
    deadline = time.monotonic() + 5
    while not gateway.collect(now=NOW).reports and time.monotonic() < deadline:
        time.sleep(0.02)
    assert peer.answered == [] and peer.unanswered() == 1
    gateway.close()  # as if the worker died before committing
    again = _gateway(peer)
    [report] = _collect(again, 1)
    assert report.gateway_id == "peer-1"
    deadline = time.monotonic() + 5
    while peer.unanswered() and time.monotonic() < deadline:
        again.collect(now=NOW)
        time.sleep(0.02)
    assert peer.unanswered() == 0 and len(peer.answered) == 1
    again.close()


def test_a_receipt_nobody_knows_waits_in_the_database_and_drain_ends(
    peer: Peer, world: Sending
) -> None:
    gateway = _gateway(peer)
    worker = Worker(world.sessions, gateway, clock=world.clock)
    worker.collect()  # binds
    peer.send_receipt("unknown-id")
    deadline = time.monotonic() + 5
    while not worker.collect() and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.drain(timeout=5)  # returns: nothing is left to do
    with transaction(world.sessions) as s:
        assert list(s.scalars(select(PendingReport.gateway_id))) == ["unknown-id"]
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


def _inbound(gateway: SmppGateway) -> list[Inbound]:
    """Collect until an inbound message came (not acknowledged), or 5 s passed."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = gateway.collect(now=NOW).inbound
        if found:
            return found
        time.sleep(0.02)
    return []


def test_a_redelivered_inbound_message_keeps_its_id(peer: Peer) -> None:
    """Given an inbound message not answered on one bind, when the SMSC sends it again on the
    next (a new sequence number), then it has the same id; another text has another id."""
    first = _gateway(peer)
    first.collect(now=NOW)  # binds
    peer.send_inbound("447400123456", "HELP")
    [before] = _inbound(first)
    first.close()
    again = _gateway(peer)
    [after] = _inbound(again)
    assert after.gateway_id == before.gateway_id and after.receipt != before.receipt
    assert (after.from_e164, after.body) == ("+447400123456", "HELP")
    again.ack([after.receipt], now=NOW)
    peer.send_inbound("447400123456", "INFO")
    [other] = _inbound(again)
    assert other.gateway_id != before.gateway_id
    again.close()


def test_an_inbound_message_whose_answer_was_lost_is_answered_once(
    peer: Peer, world: Sending
) -> None:
    """Given a HELP committed whose deliver_sm_resp is lost (the connection drops), when the
    SMSC sends it again after the worker binds again, then it is recorded and answered once."""
    message = world.send(GB)
    gateway = _gateway(peer)
    worker = Worker(world.sessions, gateway, clock=world.clock)
    worker.collect()  # binds
    peer.lose_answers = 1
    peer.send_inbound(GB.lstrip("+"), "HELP")
    deadline = time.monotonic() + 10
    while len(peer.binds) < 2 or peer.unanswered():  # committed, lost, bound again, sent again
        assert time.monotonic() < deadline, "the SMSC never got its answer"
        worker.collect()
        time.sleep(0.02)
    assert len(peer.answered) == 1
    with transaction(world.sessions) as s:
        inbound = list(s.scalars(select(InboundMessage.body)))
        replies = list(s.scalars(select(Message.body).where(Message.kind == "reply")))
    assert inbound == ["HELP"] and replies == [HELP_REPLY]
    assert world.message(message.id).status == "queued"
    gateway.close()


def test_an_unreachable_smsc_is_unavailable() -> None:
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
    with transaction(world.sessions) as s:  # a worker claims it to submit, then dies
        sending.claim(s, worker="dead", now=world.clock(), limit=10, lease=timedelta(seconds=5))
    world.clock.advance(6)
    gateway = _gateway(peer)
    Worker(world.sessions, gateway, clock=world.clock).drain()
    done = world.message(message.id)
    assert (done.status, done.reason) == ("failed", sending.UNKNOWN_OUTCOME)
    assert world.hold(message.id).state == "released"  # type: ignore[union-attr]
    assert peer.submitted == []
    gateway.close()


class Killed(Exception):
    """The worker process dies here."""


class DiesAfterSubmit(SmppGateway):
    """SMPP whose worker dies once the batch was submitted, before recording it."""

    def submit(
        self, batch: Sequence[Outbound], *, now: datetime, accepted: OnAccepted | None = None
    ) -> list[SubmitResult]:
        super().submit(batch, now=now, accepted=accepted)
        raise Killed


def _die_mid_batch(peer: Peer, world: Sending) -> tuple[int, int]:
    """Two messages claimed by a worker with a 5 s lease: the SMSC takes the first (its id
    written while the batch goes on), drops the connection on the second; the worker dies."""
    first, second = world.send(GB), world.send(IE)
    peer.drop_after = 2
    config = _gateway(peer, window=1, journal_every=0).config
    dead = Worker(
        world.sessions, DiesAfterSubmit(config), clock=world.clock, lease=timedelta(seconds=5)
    )
    with pytest.raises(Killed):
        dead.send_batch()
    assert [m.status for m in (world.message(first.id), world.message(second.id))] == [
        "sending",
        "sending",
    ]
    assert world.gateway_ids(first.id) == ["peer-1"] and world.gateway_ids(second.id) == []
    return first.id, second.id


def test_an_unknown_outcome_is_resolved_by_asking_the_smsc(peer: Peer, world: Sending) -> None:
    """Given a worker that died after the SMSC took a message (its id written) and while it
    sent another (no id), then the first is asked about with query_sm: the SMSC has it, so it
    is sent and charged, and its receipt, stored while its outcome was unknown, delivers it;
    the second fails as unknown and is released; neither is submitted again."""
    first, second = _die_mid_batch(peer, world)
    peer.query_state = 1  # ENROUTE: the receipt tells the rest
    gateway = _gateway(peer)
    worker = Worker(world.sessions, gateway, clock=world.clock)
    deadline = time.monotonic() + 10
    while not _pending(world):  # the receipt, sent again on the new bind, waits
        assert time.monotonic() < deadline, "the receipt never came again"
        worker.collect()
        time.sleep(0.02)
    assert world.message(first).status == "sending" and _pending(world) == ["peer-1"]
    world.clock.advance(6)  # the dead worker's lease runs out
    worker.drain()
    done = world.message(first)
    assert (done.status, done.reason) == ("delivered", None)
    assert world.hold(first).state == "captured"  # type: ignore[union-attr]
    failed = world.message(second)
    assert (failed.status, failed.reason) == ("failed", sending.UNKNOWN_OUTCOME)
    assert world.hold(second).state == "released"  # type: ignore[union-attr]
    assert peer.queries == ["peer-1"] and _pending(world) == []
    assert [s.destination for s in peer.submitted] == [GB.lstrip("+")]
    assert world.invariants() == []
    gateway.close()


def test_an_id_the_smsc_does_not_know_fails_and_releases(peer: Peer, world: Sending) -> None:
    first, _ = _die_mid_batch(peer, world)
    peer.forget = True
    world.clock.advance(6)
    gateway = _gateway(peer)
    Worker(world.sessions, gateway, clock=world.clock).send_batch()
    done = world.message(first)
    assert (done.status, done.reason) == ("failed", sending.NOT_WITH_CARRIER)
    assert world.hold(first).state == "released"  # type: ignore[union-attr]
    assert peer.queries == ["peer-1"] and len(peer.submitted) == 1
    gateway.close()


def test_an_smsc_that_cannot_be_asked_leaves_the_outcome_open(peer: Peer, world: Sending) -> None:
    """Given the SMSC unreachable when the outcome is to be resolved, then the message stays
    `sending` under a new lease (nothing charged, released or resent), and is asked about
    when that lease runs out."""
    first, _ = _die_mid_batch(peer, world)
    world.clock.advance(6)
    peer.refuse_binds = 0x0000000D  # bind failed
    gateway = _gateway(peer, bind_backoff=0)
    worker = Worker(world.sessions, gateway, clock=world.clock, lease=timedelta(seconds=5))
    worker.send_batch()
    assert world.message(first).status == "sending"
    assert world.hold(first).state == "open"  # type: ignore[union-attr]
    peer.refuse_binds = 0
    world.clock.advance(6)
    worker.send_batch()
    assert world.message(first).status == "delivered" and peer.queries == ["peer-1"]
    gateway.close()


def test_an_outcome_that_cannot_be_asked_for_a_day_fails_and_releases(
    peer: Peer, world: Sending
) -> None:
    """Given the SMSC unreachable from the crash until a day after the submission, then the
    message is failed with the unknown-outcome reason and its credits released, never
    resent and never asked about again."""
    first, _ = _die_mid_batch(peer, world)
    world.clock.advance(6)
    peer.refuse_binds = 0x0000000D  # bind failed
    gateway = _gateway(peer, bind_backoff=0)
    worker = Worker(world.sessions, gateway, clock=world.clock, lease=timedelta(seconds=5))
    worker.send_batch()
    assert world.message(first).status == "sending"
    world.clock.advance(24 * 3600)
    worker.send_batch()
    message = world.message(first)
    assert (message.status, message.reason) == ("failed", sending.UNKNOWN_OUTCOME)
    assert world.hold(first).state == "released"  # type: ignore[union-attr]
    peer.refuse_binds = 0
    world.clock.advance(6)
    worker.send_batch()
    assert world.message(first).status == "failed" and peer.queries == []
    gateway.close()


def test_query_sm_tells_the_state_of_each_id(peer: Peer) -> None:
    gateway = _gateway(peer)
    assert Capability.QUERY_STATUS in gateway.capabilities
    gateway.submit([Outbound("m1", "+447400123456", "Hi")], now=NOW)
    states = gateway.query(["peer-1", "nobody-knows"], now=NOW)
    assert states == {"peer-1": "delivered", "nobody-knows": "unknown"}
    peer.query_state = 5  # UNDELIVERABLE
    assert gateway.query(["peer-1"], now=NOW) == {"peer-1": "undelivered"}
    peer.query_state = 1  # ENROUTE
    assert gateway.query(["peer-1"], now=NOW) == {"peer-1": "with_carrier"}
    gateway.close()


def _pending(world: Sending) -> list[str]:
    with transaction(world.sessions) as s:
        return list(s.scalars(select(PendingReport.gateway_id)))


@pytest.mark.parametrize("once", [False, True])
def test_a_worker_ends_on_sigterm_and_does_not_spin(
    peer: Peer, tmp_path: Path, catalog: Catalog, once: bool
) -> None:
    """Given a worker process on the SMPP gateway (a receipt nobody knows waiting, for
    --once), when it gets SIGTERM, then it ends at once with status 0."""
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    engine = make_engine(url)
    models.Base.metadata.create_all(engine)
    engine.dispose()
    peer.send_receipt("nobody-knows")
    env = {
        **os.environ,
        "SMSADDON_DATABASE_URL": url,
        "SMSADDON_GATEWAY": "smpp",
        "SMSADDON_SMPP_HOST": "127.0.0.1",
        "SMSADDON_SMPP_PORT": str(peer.port),
        "SMSADDON_SMPP_SYSTEM_ID": "smsaddon",
        "SMSADDON_SMPP_PASSWORD": "secret",
    }
    args = ["worker", "--once"] if once else ["worker"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "smsaddon", *args], env=env, cwd=ROOT, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not peer.binds and worker.poll() is None:  # it is working
        assert time.monotonic() < deadline, "the worker never bound"
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, worker.stderr.read() if worker.stderr else ""
