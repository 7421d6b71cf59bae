"""Simulate a reply (audit finding M2): for admins, with the simulator gateway only, from a
valid number whose reply reaches their own account and no other; every refusal changes
nothing and hands the simulator nothing."""

from __future__ import annotations

import httpx
import pytest

from smsaddon.accounts import find_account, user_by_email
from smsaddon.db import transaction, utcnow
from smsaddon.gateways import Capability, Simulator, SimulatorConfig
from smsaddon.sms import messages, optouts
from smsaddon.worker import Worker
from tests.fixtures.live import LiveServer, csrf_token, sign_in_http
from tests.fixtures.snapshots import snapshot

OWNER, MEMBER, LITE, ANNUAL = (
    "owner@demo.test",
    "member@demo.test",
    "lite@demo.test",
    "annual@demo.test",
)
OURS, THEIRS = "+447400123456", "+447400654321"
FORM = 'action="/messages/simulate-reply"'


@pytest.fixture
def simulator(demo: LiveServer) -> Simulator:
    """Demo Co messaged OURS; Annual Co messaged THEIRS, and OURS before Demo Co did."""
    demo.buy(OWNER)
    demo.buy(ANNUAL)
    for email, number in ((ANNUAL, THEIRS), (ANNUAL, OURS), (OWNER, OURS)):
        with transaction(demo.sessions) as session:
            messages.send_message(
                session,
                actor=user_by_email(session, email),
                to=number,
                body="Doors open at 9",
                catalog=demo.catalog,
                now=utcnow(),
            )
    found = Simulator(SimulatorConfig(dlr_delay=0))
    demo.app.state.services.gateway = found
    return found


def reply(client: httpx.Client, phone: str, text: str = "STOP") -> httpx.Response:
    form = {"phone": phone, "text": text, "csrf_token": csrf_token(client, "/messages")}
    return client.post("/messages/simulate-reply", data=form)


def opted_out(server: LiveServer, account: str, number: str) -> bool:
    with transaction(server.sessions) as session:
        account_id = find_account(session, account).id
        return optouts.is_opted_out(session, account_id=account_id, e164=number)


def test_an_admin_simulates_a_stop_that_reaches_their_account_only(
    client: httpx.Client, demo: LiveServer, simulator: Simulator
) -> None:
    sign_in_http(client, OWNER)
    assert FORM in client.get("/messages").text
    response = reply(client, "+44 7400 123456")
    assert (response.status_code, response.headers["location"]) == (303, "/messages")
    assert simulator.pending() == 1
    Worker(demo.sessions, simulator).drain()
    assert opted_out(demo, "Demo Co", OURS)
    assert not opted_out(demo, "Annual Co", OURS)


@pytest.mark.parametrize(
    ("phone", "text", "field", "says"),
    [
        ("not a number <b>", "STOP", "phone", "From: &#39;not a number &lt;b&gt;&#39; is not"),
        (THEIRS, "STOP", "phone", f"From: {THEIRS} is not a number your account messaged"),
        (OURS, "stopall", "text", "Text: STOPALL opts the number out of every account"),
    ],
    ids=["bad phone", "another account's number", "stopall"],
)
def test_a_reply_that_would_not_reach_only_this_account_is_a_422(
    client: httpx.Client,
    demo: LiveServer,
    simulator: Simulator,
    phone: str,
    text: str,
    field: str,
    says: str,
) -> None:
    sign_in_http(client, OWNER)
    before = snapshot(demo.sessions)
    response = reply(client, phone, text)
    assert response.status_code == 422
    assert f'id="reply-{field}-error" role="alert">{says}' in response.text
    assert 'id="reply-phone" name="phone" value="' in response.text  # what was typed, kept
    assert simulator.pending() == 0
    assert snapshot(demo.sessions) == before


def test_a_lite_account_cannot_reach_the_numbers_others_messaged(
    client: httpx.Client, demo: LiveServer, simulator: Simulator
) -> None:
    sign_in_http(client, LITE)
    before = snapshot(demo.sessions)
    for number in (OURS, THEIRS):
        assert reply(client, number, "START").status_code == 422
    assert simulator.pending() == 0
    assert snapshot(demo.sessions) == before


def test_a_plain_user_neither_sees_the_form_nor_may_post_it(
    client: httpx.Client, demo: LiveServer, simulator: Simulator
) -> None:
    sign_in_http(client, MEMBER)
    assert FORM not in client.get("/messages").text
    before = snapshot(demo.sessions)
    response = reply(client, OURS)
    assert response.status_code == 403
    assert "Only admins can simulate a reply. Nothing was changed." in response.text
    assert simulator.pending() == 0
    assert snapshot(demo.sessions) == before


class NoReplies:
    """A gateway that cannot be handed a reply (SMPP, say)."""

    capabilities: frozenset[Capability] = frozenset()

    def close(self) -> None:
        pass


def test_without_a_gateway_that_takes_replies_there_is_no_form(
    client: httpx.Client, demo: LiveServer
) -> None:
    demo.app.state.services.gateway = NoReplies()
    sign_in_http(client, OWNER)
    assert FORM not in client.get("/messages").text
    before = snapshot(demo.sessions)
    response = reply(client, OURS)
    assert response.status_code == 409
    assert "only with the simulator gateway" in response.text
    assert snapshot(demo.sessions) == before
