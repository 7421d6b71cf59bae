"""The guarantees of sending, on SQLite and PostgreSQL: at most once to the carrier (an
interrupted submission is never repeated), a STOP is a barrier, and a slow worker whose lease
ran out changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from smsaddon.db import transaction
from smsaddon.gateways import Accepted, Outbound
from smsaddon.sms import optouts, sending
from smsaddon.sms.models import OptOut, Status
from smsaddon.sms.sending import Claimed
from tests.fixtures.sending import GB, NOW, Sending
from tests.fixtures.snapshots import snapshot

LEASE = timedelta(seconds=30)


def _claim(world: Sending, worker: str = "w") -> list[Claimed]:
    with transaction(world.sessions) as s:
        return sending.claim(s, worker=worker, now=world.clock(), limit=10, lease=LEASE).messages


def _stopped(world: Sending, claimed: list[Claimed]) -> set[int]:
    with transaction(world.sessions) as s:
        return sending.opted_out_among(s, messages=claimed)


def _record(world: Sending, claimed: list[Claimed], stopped: set[int]) -> None:
    """Submit what was not stopped, and record it all, as the worker does."""
    sent = [m for m in claimed if m.id not in stopped]
    answers = world.simulator.submit([Outbound(m.key, m.to, m.body) for m in sent], now=NOW)
    with transaction(world.sessions) as s:
        sending.record(
            s,
            results=list(zip(sent, answers, strict=True)),
            now=world.clock(),
            stopped=[m for m in claimed if m.id in stopped],
        )


def _opt_out_behind_the_barrier(world: Sending, number: str = GB) -> None:
    """An opt-out row written without its cancellation (as a send racing a STOP leaves it)."""
    with transaction(world.sessions) as s:
        s.execute(
            insert(OptOut).values(
                account_id=world.account_id(), e164=number, source="reply", created_at=world.clock()
            )
        )


def test_a_claim_whose_lease_ran_out_is_never_submitted_again(world: Sending) -> None:
    """Given a worker that claimed a message to submit it and stopped, when the lease runs
    out, then the message fails with the reason, its credits are released, and nothing is
    sent (whether the carrier got it is unknown)."""
    before = world.balance()
    message = world.send(GB)
    assert len(_claim(world, "died-while-submitting")) == 1
    world.clock.advance(LEASE.total_seconds() + 1)
    world.worker().drain()
    done = world.message(message.id)
    assert (done.status, done.reason) == (Status.FAILED, sending.UNKNOWN_OUTCOME)
    assert world.hold(message.id).state == "released"  # type: ignore[union-attr]
    assert world.balance() == before
    assert world.simulator.sends == 0
    assert world.invariants() == []


def test_a_slow_worker_whose_lease_ran_out_changes_nothing(world: Sending) -> None:
    """Given a worker whose submission outlives its lease and another worker that has
    resolved the message meanwhile, the slow worker's record changes nothing, and the report
    of what it sent waits, never applied to another message."""
    message = world.send(GB)
    [slow] = _claim(world, "slow")
    [answer] = world.simulator.submit([Outbound(slow.key, slow.to, slow.body)], now=world.clock())
    assert isinstance(answer, Accepted)
    world.clock.advance(LEASE.total_seconds() + 1)
    world.worker().send_batch()  # resolves it: outcome unknown, failed and released
    resolved = snapshot(world.sessions)
    assert world.message(message.id).status == Status.FAILED
    with transaction(world.sessions) as s:
        sending.record(s, results=[(slow, answer)], now=world.clock())
    assert snapshot(world.sessions) == resolved
    world.worker().collect()
    assert world.message(message.id).status == Status.FAILED
    assert world.gateway_ids(message.id) == []
    assert world.simulator.sends == 1 and world.simulator.pending() == 0


def test_a_stop_cancels_queued_messages_to_the_number_at_once(world: Sending) -> None:
    """Given messages queued to a number, when it replies STOP, then they are canceled and
    released in the transaction that records the STOP; only the confirmation goes out."""
    before = world.balance()
    first, second = world.send(GB), world.send(GB, body="Second")
    world.simulator.inject(from_e164=GB, body="STOP", at=world.clock())
    assert world.worker().collect() == 1
    for message in (first, second):
        done = world.message(message.id)
        assert (done.status, done.reason) == (Status.CANCELED, optouts.OPTED_OUT_CANCELED)
        assert world.hold(message.id).state == "released"  # type: ignore[union-attr]
    assert world.balance() == before
    world.worker().drain()
    assert world.simulator.sends == 1  # the STOP confirmation, free
    assert world.invariants() == []


def test_a_claim_never_hands_out_a_message_to_an_opted_out_number(world: Sending) -> None:
    before = world.balance()
    message = world.send(GB)
    _opt_out_behind_the_barrier(world)
    assert _claim(world) == []
    done = world.message(message.id)
    assert (done.status, done.reason) == (Status.CANCELED, optouts.OPTED_OUT_CANCELED)
    assert world.balance() == before and world.simulator.sends == 0


def test_the_worker_checks_the_opt_outs_again_before_the_network(world: Sending) -> None:
    """Given a STOP committed after the claim, then the worker's check right before the
    network call leaves the message out, and it is canceled and released."""
    before = world.balance()
    message = world.send(GB)
    claimed = _claim(world)
    with transaction(world.sessions) as s:
        optouts.opt_out(
            s, account_id=message.account_id, e164=GB, source="reply", now=world.clock()
        )
    assert world.message(message.id).status == Status.SENDING  # claimed: not canceled by it
    stopped = _stopped(world, claimed)
    assert stopped == {message.id}
    _record(world, claimed, stopped)
    done = world.message(message.id)
    assert (done.status, done.reason) == (Status.CANCELED, optouts.OPTED_OUT_CANCELED)
    assert world.balance() == before and world.simulator.sends == 0


def test_a_message_already_handed_to_the_carrier_is_the_one_exception(world: Sending) -> None:
    """Given a STOP committed after the worker's last check, the message in flight is sent
    (and charged): the one exception, written in docs/sending.md."""
    message = world.send(GB)
    claimed = _claim(world)
    stopped = _stopped(world, claimed)
    with transaction(world.sessions) as s:
        optouts.opt_out(
            s, account_id=message.account_id, e164=GB, source="reply", now=world.clock()
        )
    _record(world, claimed, stopped)
    assert world.message(message.id).status == Status.SENT
    assert world.hold(message.id).state == "captured"  # type: ignore[union-attr]
