"""The cost shown is the cost charged: for any list of numbers and any text, the estimate
every surface shows equals the credits the broadcast that follows holds, on SQLite and
PostgreSQL. The numbers mix priced countries, repeats in two spellings, invalid numbers, an
unsupported country, US numbers without 10DLC registration and an opted-out number."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsaddon.db import transaction
from smsaddon.errors import InvalidMessage, ValidationFailed
from smsaddon.sms import contacts, messages, optouts
from tests.fixtures.sending import Sending

OPTED_OUT = "+447400123499"
NUMBERS = [
    *(f"+4474001234{i:02d}" for i in range(10)),  # GB, 5 credits a segment
    "+44 7400 123400",  # a second spelling of the first
    "+353851234567",  # IE, 6
    "+61412345678",  # AU, 4
    "+14155552671",  # US: not registered
    "+8613800138000",  # CN: not supported
    "+44 7400",  # invalid
    "not a number",
    OPTED_OUT,
]
PIECES = [*"abc XYZ.,!?0", "€", "[", "^", "é", "ü", "😀", "👍🏽", "\r\n", "a" * 150]
TEXTS = st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join)
lists = itertools.count()


@pytest.fixture
def stopped(world: Sending) -> Sending:
    world.grant(10_000_000)
    with transaction(world.sessions) as s:
        optouts.opt_out(
            s, account_id=world.account_id(), e164=OPTED_OUT, source="admin", now=world.clock()
        )
    return world


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(numbers=st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=12), text=TEXTS)
def test_the_estimate_is_what_the_broadcast_holds(
    stopped: Sending, numbers: list[str], text: str
) -> None:
    world, name = stopped, f"list-{next(lists)}"
    account_id = world.account_id()
    try:
        with transaction(world.sessions) as s:
            shown = messages.estimate(
                s, account_id=account_id, catalog=world.catalog, text=text, recipients=numbers
            ).total_credits
    except InvalidMessage:
        shown = None  # over the segment cap: the send refuses it too
    rows = io.StringIO()
    csv.writer(rows).writerows([["phone"], *([n] for n in numbers)])
    contacts.import_csv(
        world.sessions,
        account_id=account_id,
        data=rows.getvalue(),
        now=world.clock(),
        list_name=name,
    )
    available = world.balance().available
    try:
        held = world.broadcast(name, body=text).credits
    except InvalidMessage:
        held = None
    except ValidationFailed:  # no valid number at all: nothing to send
        held = 0
    assert shown == held
    assert world.balance().available == available - (held or 0)
