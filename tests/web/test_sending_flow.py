"""In Chromium, what a person on `make run` does: import contacts, see the cost, send a
broadcast, watch it be delivered, see the credits drop by exactly the cost, and reply STOP
from the simulator to stop the next one."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from smsaddon.db import utcnow
from smsaddon.gateways import Simulator, SimulatorConfig
from smsaddon.worker import Worker
from tests.fixtures.daytime import daytime_numbers
from tests.fixtures.live import LiveServer
from tests.web.browser import Shot, SignIn


def test_import_broadcast_deliver_and_stop(
    page: Page, demo: LiveServer, sign_in: SignIn, shot: Shot
) -> None:
    demo.buy("owner@demo.test")
    simulator = Simulator(SimulatorConfig(dlr_delay=0))
    demo.app.state.services.gateway = simulator
    worker = Worker(demo.sessions, simulator)
    first, second = daytime_numbers(demo.catalog, 2, utcnow())
    sign_in(page, demo, "owner@demo.test")

    page.get_by_role("link", name="Contacts").click()
    page.get_by_label("CSV with a phone column").fill(f"phone,name\n{first},Ann\n{second},Bob\n")
    page.get_by_label("Into the list").fill("club")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#flash")).to_have_text("Imported 2 contacts into club.")
    expect(page.locator("#contacts tbody tr")).to_have_count(2)
    shot(page, "contacts")

    page.get_by_role("link", name="Compose").click()
    page.get_by_label("Or to a list").select_option("club")
    page.get_by_label("Message", exact=True).fill("Doors open at 9")
    expect(page.locator("#cost tbody tr")).to_have_count(1)
    total = int(page.locator("#cost-total").inner_text().replace(",", ""))
    available = int(page.locator("#available").inner_text().replace(",", ""))
    assert total > 0
    shot(page, "cost")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(f"{demo.url}/messages")
    expect(page.locator("#flash")).to_contain_text(f"2 messages queued, {total:,} credits held")

    worker.drain()
    page.goto(f"{demo.url}/messages")
    expect(page.locator('#messages tbody tr[data-status="delivered"]')).to_have_count(2)
    shot(page, "delivered")
    page.goto(f"{demo.url}/compose")
    expect(page.locator("#available")).to_have_text(f"{available - total:,}")

    page.goto(f"{demo.url}/messages")
    page.get_by_label("From").fill(first)
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#flash")).to_contain_text("STOP")
    worker.drain()
    page.goto(f"{demo.url}/contacts")
    expect(page.locator("#opt-outs")).to_contain_text(first)

    page.goto(f"{demo.url}/compose")
    page.get_by_label("Or to a list").select_option("club")
    page.get_by_label("Message", exact=True).fill("Last call")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#flash")).to_contain_text("1 message queued")
    expect(page.locator("#flash")).to_contain_text("1 blocked (free)")
    shot(page, "blocked")
