"""The pipeline on SQLite and PostgreSQL: accept (hold), claim, submit, report, capture;
failures release; broadcasts hold all or nothing; refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from smsaddon.db import transaction
from smsaddon.errors import (
    AddonRequired,
    InsufficientCredits,
    InvalidMessage,
    InvalidPhoneNumber,
    RegistrationRequired,
    UnsupportedCountry,
)
from smsaddon.gateways import Accepted, Outbound, StatusReport
from smsaddon.sms import sending
from smsaddon.sms.models import PendingReport, Status
from tests.fixtures.sending import GB, IE, NOW, Sending
from tests.fixtures.snapshots import snapshot


def test_a_message_is_held_sent_captured_and_delivered(world: Sending) -> None:
    before = world.balance()
    message = world.send(GB)
    assert (message.status, message.segments, message.credits) == ("queued", 1, 5)
    assert world.hold(message.id).state == "open"  # type: ignore[union-attr]
    assert world.balance().available == before.available - 5
    world.worker().drain()
    done = world.message(message.id)
    assert done.status == Status.DELIVERED and done.sent_at is not None
    assert world.hold(message.id).state == "captured"  # type: ignore[union-attr]
    after = world.balance()
    assert (after.available, after.held) == (before.available - 5, 0)
    assert world.simulator.sends == 1
    assert world.invariants() == []


def test_a_long_unicode_message_costs_its_segments(world: Sending) -> None:
    message = world.send(IE, body="😀" * 40)  # 80 UCS-2 units: 2 segments x 6 credits
    assert (message.encoding, message.segments, message.credits) == ("UCS-2", 2, 12)


def test_a_rejected_message_fails_and_is_released(world: Sending) -> None:
    before = world.balance()
    message = world.send("+447400120000")  # the simulator rejects *0000
    world.worker().drain()
    done = world.message(message.id)
    assert done.status == Status.FAILED and "rejected" in (done.reason or "")
    assert world.hold(message.id).state == "released"  # type: ignore[union-attr]
    assert world.balance() == before
    assert world.invariants() == []


def test_undelivered_after_the_carrier_took_it_stays_charged(world: Sending) -> None:
    before = world.balance()
    message = world.send("+447400120001")  # *0001: accepted, then undelivered
    world.worker().drain()
    assert world.message(message.id).status == Status.UNDELIVERED
    assert world.hold(message.id).state == "captured"  # type: ignore[union-attr]
    assert world.balance().available == before.available - 5


def test_a_temporary_error_is_retried_after_a_backoff(world: Sending) -> None:
    message = world.send("+447400120002")  # *0002: busy once, then accepted
    worker = world.worker()
    worker.drain()
    waiting = world.message(message.id)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.due_at > world.clock()
    world.clock.advance(6)
    worker.drain()
    assert world.message(message.id).status == Status.DELIVERED
    assert world.simulator.sends == 1


def test_a_late_report_never_moves_a_message_back(world: Sending) -> None:
    message = world.send(GB)
    world.worker().drain()
    assert world.message(message.id).status == Status.DELIVERED
    [gid] = world.gateway_ids(message.id)
    before = snapshot(world.sessions)
    with transaction(world.sessions) as s:
        sending.apply_reports(s, reports=[StatusReport(gid, "delivered", world.clock())], now=NOW)
    assert snapshot(world.sessions) == before


def test_a_report_before_its_message_is_recorded_waits_in_the_database(world: Sending) -> None:
    """Given a report for gateway ids nobody recorded yet, when it is applied, then it is
    stored (not kept in memory), and applied by the next round after the ids are recorded."""
    message = world.send(GB)
    worker = world.worker()
    with transaction(world.sessions) as s:
        [claimed] = sending.claim(
            s, worker="w", now=world.clock(), limit=10, lease=timedelta(seconds=60)
        ).messages
    [result] = world.simulator.submit([Outbound(claimed.key, claimed.to, claimed.body)], now=NOW)
    assert isinstance(result, Accepted)
    assert worker.collect() == 1  # the report comes before the answer is recorded
    assert _pending(world) == [result.gateway_ids[0]]
    assert world.simulator.pending() == 0  # acknowledged: it is stored
    with transaction(world.sessions) as s:
        sending.record(s, results=[(claimed, result)], now=world.clock())
    assert world.message(message.id).status == Status.SENT
    assert worker.step() == 1  # matched by the next claim, after the ids were committed
    assert world.message(message.id).status == Status.DELIVERED
    assert _pending(world) == []
    assert world.hold(message.id).state == "captured"  # type: ignore[union-attr]


def test_a_report_is_acknowledged_only_after_its_transaction_commits(world: Sending) -> None:
    """Given a report whose transaction fails, then the gateway hands it out again later and
    it is applied then."""
    message = world.send(GB)
    worker = world.worker()
    worker.send_batch()
    assert world.message(message.id).status == Status.SENT

    def broken(*_: object, **__: object) -> int:
        raise OperationalError("UPDATE", {}, Exception("the connection was closed"))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sending, "apply_reports", broken)
        worker.lease = timedelta(0)  # give up at once instead of trying again
        assert worker.collect() == 1
    assert world.message(message.id).status == Status.SENT
    assert world.simulator.pending() == 1  # not acknowledged
    assert worker.collect() == 0  # hidden while another taker may be applying it
    world.clock.advance(world.simulator.config.visibility)
    assert worker.collect() == 1
    assert world.message(message.id).status == Status.DELIVERED
    assert world.simulator.pending() == 0


def _pending(world: Sending) -> list[str]:
    with transaction(world.sessions) as s:
        return list(s.scalars(select(PendingReport.gateway_id)))


def test_a_canceled_message_is_released_and_never_sent(world: Sending) -> None:
    from smsaddon.sms import messages

    before = world.balance()
    message = world.send(GB)
    with transaction(world.sessions) as s:
        messages.cancel_message(
            s, account_id=message.account_id, message_id=message.id, now=world.clock()
        )
    world.worker().drain()
    assert world.message(message.id).status == Status.CANCELED
    assert world.balance() == before and world.simulator.sends == 0


def test_a_broadcast_holds_everything_in_one_go(world: Sending) -> None:
    numbers = [f"+4474001234{i:02d}" for i in range(20)]
    world.add_list("customers", [*numbers, IE])
    before = world.balance()
    result = world.broadcast("customers")
    assert (result.queued, result.credits, result.blocked) == (21, 20 * 5 + 6, {})
    assert world.balance().available == before.available - 106
    world.worker(batch_size=7).drain()
    assert {m.status for m in world.all_messages()} == {"delivered"}
    assert world.balance().held == 0 and world.invariants() == []


def test_a_broadcast_the_account_cannot_cover_holds_nothing(world: Sending) -> None:
    numbers = [f"+44740012{i:04d}" for i in range(101)]  # 101 x 5 = 505 > 500
    world.add_list("too-many", numbers)
    before = snapshot(world.sessions)
    with pytest.raises(InsufficientCredits) as refused:
        world.broadcast("too-many")
    assert refused.value.details == {"needed": 505, "available": 500}
    assert snapshot(world.sessions) == before


@pytest.mark.parametrize(
    ("to", "body", "error"),
    [
        ("+44 7400", "Hi", InvalidPhoneNumber),
        ("+8613800138000", "Hi", UnsupportedCountry),
        ("+14155552671", "Hi", RegistrationRequired),
        (GB, "x" * (153 * 10 + 1), InvalidMessage),
        (GB, "", InvalidMessage),
    ],
)
def test_each_refusal_changes_nothing(
    world: Sending, to: str, body: str, error: type[Exception]
) -> None:
    before = snapshot(world.sessions)
    with pytest.raises(error):
        world.send(to, body=body)
    assert snapshot(world.sessions) == before


def test_an_account_without_the_addon_cannot_send(world: Sending) -> None:
    before = snapshot(world.sessions)
    with pytest.raises(AddonRequired):
        world.send(GB, email="annual@demo.test")
    assert snapshot(world.sessions) == before


def test_a_message_over_the_balance_holds_nothing(world: Sending) -> None:
    world.send(IE, body="x" * 1530)  # 10 segments x 6 = 60
    before = snapshot(world.sessions)
    with pytest.raises(InsufficientCredits):
        for _ in range(8):
            world.send(IE, body="x" * 1530)
    assert world.balance().available >= 0 and world.invariants() == []
    assert len(snapshot(world.sessions)["messages"]) == len(before["messages"]) + 7


def test_canceling_a_message_already_sent_is_refused_and_changes_nothing(world: Sending) -> None:
    from smsaddon.errors import Conflict
    from smsaddon.sms import messages

    message = world.send(GB)
    world.worker().drain()
    before = snapshot(world.sessions)
    with pytest.raises(Conflict) as refused, transaction(world.sessions) as s:
        messages.cancel_message(
            s, account_id=message.account_id, message_id=message.id, now=world.clock()
        )
    assert refused.value.details["status"] == "delivered"
    assert snapshot(world.sessions) == before


def test_a_refused_cancel_names_the_status_after_the_update(world: Sending) -> None:
    """Given a message read as queued and claimed by a worker before the cancel's update,
    the refusal names `sending`, the status that refused it, not the one read before."""
    from smsaddon.errors import Conflict
    from smsaddon.sms import messages

    if world.sessions.kw["bind"].dialect.name == "sqlite":
        pytest.skip("SQLite's write lock keeps a claim from coming between the read and update")
    message = world.send(GB)
    with pytest.raises(Conflict) as refused, transaction(world.sessions) as s:
        read = messages.get_message(s, account_id=message.account_id, message_id=message.id)
        assert read.status == "queued"
        with transaction(world.sessions) as other:
            sending.claim(other, worker="w", now=NOW, limit=1, lease=timedelta(seconds=60))
        messages.cancel_message(
            s, account_id=message.account_id, message_id=message.id, now=world.clock()
        )
    assert refused.value.details["status"] == "sending"
