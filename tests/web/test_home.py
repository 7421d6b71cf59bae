"""Home is a dashboard: this period's credits, set-up progress, the last broadcasts with their
delivery rate, and the latest replies; with plan-aware guidance when SMS is not on the plan."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from smsaddon import compliance
from smsaddon.accounts import user_by_email
from smsaddon.db import transaction, utcnow
from smsaddon.gateways import Simulator, SimulatorConfig
from smsaddon.phones import normalize
from smsaddon.sms import contacts, messages
from smsaddon.worker import Worker
from tests.compliance.test_validation import PROFILE
from tests.fixtures.daytime import daytime_numbers
from tests.fixtures.live import LiveServer
from tests.web.browser import Shot, SignIn

OWNER = "owner@demo.test"
US_NUMBER = "+12125550123"  # blocked, free: no 10DLC registration yet


@pytest.mark.browser
def test_home_shows_credits_setup_broadcasts_and_replies_in_exact_figures(
    demo: LiveServer, page: Page, sign_in: SignIn, shot: Shot
) -> None:
    # Given Demo Co with the add-on (500 a month) and 1,000 more, a profile and a number, and a
    # broadcast to three numbers (one undeliverable) and a US number, and one reply.
    demo.buy(OWNER)
    demo.buy(OWNER, bundle_credits=1000)
    now = utcnow()
    ann, bob, cat = daytime_numbers(demo.catalog, 3, now)
    per_message = demo.catalog.country(normalize(ann).region).credits_per_segment  # type: ignore[union-attr]
    with transaction(demo.sessions) as session:
        owner = user_by_email(session, OWNER)
        compliance.save_profile(session, actor=owner, values=PROFILE, now=now)
        compliance.provision_number(
            session, actor=owner, provider=compliance.SimulatedPool(), country="US", now=now
        )
    rows = "".join(f"{n}\n" for n in (ann, bob, cat, US_NUMBER))
    contacts.import_csv(
        demo.sessions, account_id=owner.account_id, data=f"phone\n{rows}", now=now, list_name="Club"
    )
    with transaction(demo.sessions) as session:
        owner = user_by_email(session, OWNER)
        messages.send_broadcast(
            session,
            actor=owner,
            list_name="Club",
            body="Doors open at 9",
            catalog=demo.catalog,
            now=now,
        )
    simulator = Simulator(SimulatorConfig(rules=((re.escape(cat) + "$", "undeliver"),)))
    worker = Worker(demo.sessions, simulator)
    worker.drain()
    simulator.inject(from_e164=bob, body="See you there!", at=utcnow())
    worker.drain()

    # When the owner signs in
    sign_in(page, demo, OWNER)

    # Then Home says where everything stands
    used = 3 * per_message  # the undelivered message was accepted by the carrier: charged
    expect(page.locator("#home-available")).to_have_text(f"{1500 - used:,} credits available")
    expect(page.locator("#home-included")).to_have_text("500")
    expect(page.locator("#home-extra")).to_have_text("1,000")
    expect(page.locator("#home-used")).to_have_text(f"{used:,}")
    expect(page.locator("#home-held")).to_have_text("0")
    expect(page.locator("#home-period")).to_contain_text("credits replace what is left")
    expect(page.locator("#home-setup-progress")).to_have_text("2 of 4 steps done")
    expect(page.locator("#home-next-step")).to_have_attribute("href", "/getting-started")
    row = page.locator("#home-broadcasts tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        ["Club", re.compile(r".+"), "3 (+1 blocked)", "2", "1", "0", "67%"]
    )
    expect(page.locator("#home-broadcasts-total")).to_have_text("1 of 1 broadcast · All messages")
    reply = page.locator("#home-replies tbody tr")
    expect(reply).to_have_count(1)
    expect(reply.locator("td").nth(0)).to_have_text(bob)
    expect(reply.locator("td").nth(1)).to_have_text("See you there!")
    expect(page.locator("#home-replies-total")).to_have_text("1 of 1 reply")
    expect(page.get_by_text("bottom left")).to_have_count(0)
    shot(page, "dashboard")


@pytest.mark.browser
def test_a_lite_account_is_told_what_its_plan_needs(
    demo: LiveServer, page: Page, sign_in: SignIn
) -> None:
    sign_in(page, demo, "lite@demo.test")
    expect(page.locator("#home-no-sms")).to_have_text(
        "Your Lite plan does not include SMS. Sending needs the Plus, Professional, or "
        "Enterprise plan: upgrade your plan, then add SMS."
    )
    expect(page.locator("#home-setup-progress")).to_have_text("0 of 4 steps done")
    broadcasts = page.locator("#home-broadcasts-total")
    expect(broadcasts).to_have_text("No broadcasts yet: write the first one.")
    expect(page.locator("#home-replies-total")).to_have_text("No replies yet.")


@pytest.mark.browser
def test_a_member_without_the_add_on_is_told_whom_to_ask(
    demo: LiveServer, page: Page, sign_in: SignIn
) -> None:
    sign_in(page, demo, "member@demo.test")
    expect(page.locator("#home-no-sms")).to_have_text(
        "SMS is not on your plan yet. Ask Olivia Owner or someone with the billing permission "
        "to add it."
    )
