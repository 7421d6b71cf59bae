"""The gate where it matters: a message to a US number is refused before approval, with every
table (the ledger included) as it was, and accepted once the registration is approved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smsaddon import billing, compliance, credits
from smsaddon.catalog import Catalog
from smsaddon.db import transaction
from smsaddon.errors import RegistrationRequired
from tests.fixtures.compliance import OWNER, Demo
from tests.fixtures.snapshots import snapshot

messages = pytest.importorskip("smsaddon.sms.messages")


def send(demo: Demo, catalog: Catalog, to: str) -> str:
    with transaction(demo.sessions) as session:
        message = messages.send_message(
            session,
            actor=demo.user(session, OWNER),
            to=to,
            body="Hello! Reply STOP to opt out.",
            catalog=catalog,
            now=demo.now + timedelta(hours=8),
        )
        return str(message.status)


def available(demo: Demo) -> int:
    with transaction(demo.sessions) as session:
        return credits.balance(
            session, account_id=demo.account_id(OWNER), now=demo.now + timedelta(hours=8)
        ).available


def test_a_us_message_waits_for_the_approved_registration(demo: Demo, catalog: Catalog) -> None:
    with transaction(demo.sessions) as session:
        owner = demo.user(session, OWNER)
        quote = billing.quote_add_addon(
            session, actor=owner, catalog=catalog, now=demo.now, ttl_seconds=600
        )
        billing.confirm(
            session,
            actor=owner,
            quote_id=quote.id,
            catalog=catalog,
            payments=billing.AccountBillingProvider(),
            now=demo.now,
        )
    start = available(demo)
    before = snapshot(demo.sessions)
    for number in ("+1 415 555 0123", "+1 787 555 0123"):  # the US, and Puerto Rico
        with pytest.raises(RegistrationRequired, match="/getting-started"):
            send(demo, catalog, number)
        assert snapshot(demo.sessions) == before
    assert send(demo, catalog, "+44 7911 123456") == "queued"  # GB needs no registration

    demo.drafts()
    demo.submit()
    with pytest.raises(RegistrationRequired, match="under review"):
        send(demo, catalog, "+1 415 555 0123")
    with transaction(demo.sessions) as session:
        compliance.approve(session, account_id=demo.account_id(OWNER), now=demo.now)
    assert send(demo, catalog, "+1 415 555 0123") == "queued"
    assert available(demo) == start - 5 - 1  # GB 5 credits, US 1, held
