"""Replies (STOP, START, HELP and friends) and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from smsaddon.db import transaction
from smsaddon.gateways import Inbound
from smsaddon.sms import optouts, sending
from smsaddon.sms.models import InboundMessage, Kind, Message, OptOut
from smsaddon.sms.quiet_hours import allowed, next_allowed, time_zones_for
from tests.fixtures.sending import GB, NOW, Sending
from tests.fixtures.snapshots import snapshot

AU = "+61412345678"  # eight time zones, Perth to Lord Howe


def _reply(world: Sending, text: str, number: str = GB) -> None:
    world.simulator.inject(from_e164=number, body=text, at=world.clock())
    world.worker().drain()


def _opted_out(world: Sending, number: str = GB) -> bool:
    with transaction(world.sessions) as s:
        return s.scalar(select(OptOut.id).where(OptOut.e164 == number)) is not None


def _replies(world: Sending) -> list[Message]:
    return [m for m in world.all_messages() if m.kind == Kind.REPLY]


@pytest.mark.parametrize("word", ["STOP", "stop", " Unsubscribe ", "optout", "QUIT", "end"])
def test_a_stop_word_opts_out_with_a_free_confirmation(world: Sending, word: str) -> None:
    world.send(GB)
    world.worker().drain()
    before = world.balance()
    _reply(world, word)
    assert _opted_out(world)
    (reply,) = _replies(world)
    assert (reply.body, reply.credits, reply.status) == (optouts.STOP_REPLY, 0, "delivered")
    assert world.balance() == before


def test_an_opted_out_number_is_blocked_free_then_start_opts_back_in(world: Sending) -> None:
    world.send(GB)
    world.worker().drain()
    _reply(world, "STOP")
    ledger = {k: v for k, v in snapshot(world.sessions).items() if k.startswith("credit")}
    blocked = world.send(GB)
    assert (blocked.status, blocked.credits) == ("blocked", 0)
    assert "opted out" in (blocked.reason or "")
    assert {k: v for k, v in snapshot(world.sessions).items() if k.startswith("credit")} == ledger
    _reply(world, "start")
    assert not _opted_out(world)
    assert _replies(world)[-1].body == optouts.START_REPLY
    assert world.send(GB).status == "queued"


def test_help_gets_the_help_text_and_other_words_do_nothing(world: Sending) -> None:
    world.send(GB)
    world.worker().drain()
    _reply(world, "HELP")
    _reply(world, "Stop sending me these please")  # not one keyword
    assert [m.body for m in _replies(world)] == [optouts.HELP_REPLY]
    assert not _opted_out(world)


def test_a_broadcast_blocks_opted_out_contacts_free(world: Sending) -> None:
    world.add_list("club", [GB, "+447400123457"])
    world.send(GB)
    world.worker().drain()
    _reply(world, "STOP")
    result = world.broadcast("club")
    assert result.queued == 1 and sum(result.blocked.values()) == 1
    assert result.credits == 5


def test_the_simulator_replies_stop_from_its_pattern(world: Sending) -> None:
    world.send("+447400120003")  # *0003 replies STOP after delivery
    world.worker().drain()
    assert _opted_out(world, "+447400120003")
    assert world.send("+447400120003").status == "blocked"


def test_a_message_due_at_night_waits_for_the_morning(world: Sending) -> None:
    # 12:00 UTC is 23:00 in Sydney and 20:00 in Perth: not allowed in every zone.
    message = world.send(AU)
    assert message.status == "queued" and message.due_at > NOW
    world.worker().drain()
    assert world.message(message.id).status == "queued"
    assert world.simulator.sends == 0
    world.clock.now = message.due_at
    world.worker().drain()
    assert world.message(message.id).status == "delivered"


def test_quiet_hours_rules() -> None:
    london = time_zones_for(GB)
    assert allowed(datetime(2026, 11, 10, 8, 0, tzinfo=UTC), london)
    assert not allowed(datetime(2026, 11, 10, 21, 0, tzinfo=UTC), london)
    assert next_allowed(datetime(2026, 11, 10, 22, 0, tzinfo=UTC), london) == datetime(
        2026, 11, 11, 8, 0, tzinfo=UTC
    )
    assert next_allowed(datetime(2026, 7, 10, 6, 0, tzinfo=UTC), london) == datetime(
        2026,
        7,
        10,
        7,
        0,
        tzinfo=UTC,  # 08:00 BST
    )
    zones = time_zones_for(AU)
    due = next_allowed(NOW, zones)
    assert allowed(due, zones)
    # The most conservative: the westernmost zone's morning (Cocos Islands, UTC+6:30), while
    # it is still before 21:00 in the easternmost (Lord Howe, UTC+11).
    assert due == datetime(2026, 11, 11, 1, 30, tzinfo=UTC)


def test_a_message_at_a_set_time_waits_until_then(world: Sending) -> None:
    later = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    message = world.send(GB, send_at=later)
    assert message.due_at == later
    world.worker().drain()
    assert world.message(message.id).status == "queued"


def test_a_repeated_gateway_id_is_a_redelivery_only_when_it_is_the_last_and_recent(
    world: Sending,
) -> None:
    """Given inbound ids derived from the text (SMPP: the same for every STOP from a number),
    then STOP, START, STOP opts out, in, and out again; the last STOP sent again within
    REDELIVERY is not recorded again, but the same text after REDELIVERY is a new message."""
    world.send(GB)
    world.worker().drain()

    def receive(body: str, seconds: float) -> bool:
        at = NOW + timedelta(seconds=seconds)
        inbound = Inbound(f"smpp-{body}", GB, "+15005550006", body, at)
        with transaction(world.sessions) as session:
            return sending.receive(session, inbound=inbound, now=world.clock()) is not None

    assert receive("STOP", 0) and _opted_out(world)
    assert receive("START", 60) and not _opted_out(world)
    assert receive("STOP", 120) and _opted_out(world)
    assert not receive("STOP", 180)  # sent again: not recorded, not answered
    assert receive("STOP", 120 + sending.REDELIVERY.total_seconds() + 1)
    with transaction(world.sessions) as session:
        bodies = list(session.scalars(select(InboundMessage.body).order_by(InboundMessage.id)))
    assert bodies == ["STOP", "START", "STOP", "STOP"]
    assert [m.body for m in _replies(world)] == [optouts.STOP_REPLY, optouts.START_REPLY] + [
        optouts.STOP_REPLY
    ] * 2
