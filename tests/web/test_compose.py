"""The compose page in Chromium: the live counter, why UCS-2, smart encoding, the cost preview
per country, then sending, and the message in the history."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.fixtures.live import LiveServer
from tests.fixtures.sending import GB
from tests.web.browser import Shot, SignIn


def test_compose_counts_live_prices_and_sends(
    page: Page,
    demo: LiveServer,
    sign_in: SignIn,
    shot: Shot,
) -> None:
    demo.buy("owner@demo.test")
    sign_in(page, demo, "owner@demo.test")
    page.get_by_role("link", name="Compose").click()
    page.get_by_label("Message", exact=True).fill("Hello there")
    expect(page.locator("#counter")).to_have_text("GSM-7 · 11 septets · 1 segment")
    page.get_by_label("To a number").fill("+44 7400 123456")
    expect(page.locator("#cost tbody")).to_contain_text("United Kingdom")
    expect(page.locator("#cost-total")).to_have_text("5")
    shot(page, "gsm")

    page.get_by_label("Message", exact=True).fill("Hi 😀 " + "x" * 70)
    expect(page.locator("#counter")).to_have_text("UCS-2 · 76 UCS-2 units · 2 segments")
    expect(page.locator("#culprits")).to_contain_text("GRINNING FACE")
    expect(page.locator("#cost-total")).to_have_text("10")
    shot(page, "ucs2")

    page.get_by_label("Message", exact=True).fill("It\u2019s \u201cgreat\u201d \u2014 " + "y" * 60)
    expect(page.locator("#smart")).to_be_visible()
    page.get_by_role("button", name="Use the suggestion").click()
    expect(page.get_by_label("Message", exact=True)).to_have_value('It\'s "great" - ' + "y" * 60)
    expect(page.locator("#counter")).to_contain_text("GSM-7")
    shot(page, "smart")

    page.get_by_role("button", name="Send").click()
    page.wait_for_url(f"{demo.url}/messages")
    expect(page.locator("#flash")).to_contain_text("queued")
    expect(page.locator("#messages tbody tr").first).to_contain_text(GB)
    expect(page.locator("#messages tbody tr").first).to_contain_text("queued")
    shot(page, "history")


def test_an_over_long_message_says_so_before_sending(
    page: Page,
    demo: LiveServer,
    sign_in: SignIn,
) -> None:
    sign_in(page, demo, "owner@demo.test")
    page.goto(f"{demo.url}/compose")
    page.get_by_label("Message", exact=True).fill("z" * 1600)
    expect(page.locator("#compose-error")).to_contain_text("limit is 10")
