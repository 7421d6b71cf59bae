"""In Chromium: the navigation and the name menu on a phone, the sidebar while a long page
scrolls, the account's time zone (set by the Primary Admin, shown everywhere, UTC on hover),
and Getting started's guidance (the test message to the profile's own phone; Lite told to
upgrade)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from smsaddon import compliance
from smsaddon.accounts import find_account, user_by_email
from smsaddon.db import transaction, utcnow
from tests.compliance.test_validation import PROFILE
from tests.fixtures.live import LiveServer
from tests.fixtures.snapshots import snapshot
from tests.web.browser import Shot, SignIn
from tests.web.test_layout import signed_in_page

OWNER = "owner@demo.test"


@pytest.fixture
def phone(browser: Browser, demo: LiveServer) -> Iterator[Page]:
    page = signed_in_page(browser, demo, OWNER, 390)
    yield page
    page.context.close()


def zone_of(server: LiveServer) -> str:
    with transaction(server.sessions) as session:
        return find_account(session, "Demo Co").time_zone


@pytest.mark.browser
def test_on_a_phone_the_navigation_opens_from_menu_and_the_name_menu_works(
    phone: Page, demo: LiveServer, shot: Shot
) -> None:
    nav = phone.locator("#main-nav")
    expect(nav).to_be_hidden()
    content_top = phone.locator("#main h1").bounding_box()
    assert content_top is not None and content_top["y"] < 150  # no navigation stacked above
    phone.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    expect(phone.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    shot(phone, "navigation-open")
    phone.get_by_role("link", name="Messages").click()
    phone.wait_for_url(f"{demo.url}/messages")
    expect(phone.locator("#main-nav")).to_be_hidden()

    phone.get_by_role("button", name="Olivia Owner").click()
    billing = phone.get_by_role("link", name="Billing & Upgrade")
    expect(billing).to_be_visible()
    box = billing.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    shot(phone, "name-menu-open")
    billing.click()
    phone.wait_for_url(f"{demo.url}/billing")


@pytest.mark.browser
def test_the_sidebar_stays_beside_a_long_page_while_it_scrolls(
    browser: Browser, demo: LiveServer
) -> None:
    with transaction(demo.sessions) as session:
        owner = user_by_email(session, OWNER)
        for _ in range(60):  # sixty audit entries: a page some three windows long
            compliance.save_profile(session, actor=owner, values=PROFILE, now=utcnow())
    page = signed_in_page(browser, demo, OWNER, 1366)
    try:
        page.goto(f"{demo.url}/audit")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height > 2 * 844
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        box = page.locator(".sidebar").bounding_box()
        assert box is not None and abs(box["y"]) < 1 and box["height"] >= 843  # the whole window
        expect(page.get_by_role("button", name="Olivia Owner")).to_be_in_viewport()
    finally:
        page.context.close()


@pytest.mark.browser
def test_the_primary_admin_sets_the_time_zone_and_times_follow_it(
    page: Page, demo: LiveServer, sign_in: SignIn, shot: Shot
) -> None:
    demo.buy(OWNER)
    sign_in(page, demo, OWNER)
    page.get_by_role("button", name="Olivia Owner").click()
    page.get_by_role("link", name="Account settings").click()
    page.wait_for_url(f"{demo.url}/settings/account")
    expect(page.locator("#local-now")).to_contain_text("UTC")
    page.get_by_label("Time zone", exact=True).select_option("America/New_York")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.locator("#flash")).to_have_text("Times are now shown in America/New_York.")
    expect(page.locator("#local-now")).to_contain_text(re.compile(r"E[SD]T$"))
    shot(page, "time-zone")
    assert zone_of(demo) == "America/New_York"

    page.goto(f"{demo.url}/audit")
    first = page.locator("#audit-entries tbody tr").first
    expect(first).to_contain_text(
        "Olivia Owner changed the account's time zone from UTC to America/New_York"
    )
    when = first.locator("time")
    expect(when).to_contain_text(re.compile(r" (AM|PM) E[SD]T$"))
    expect(when).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"))
    shot(page, "audit-in-new-york")


@pytest.mark.browser
def test_only_the_primary_admin_may_change_the_time_zone(
    page: Page, demo: LiveServer, sign_in: SignIn
) -> None:
    sign_in(page, demo, "billing@demo.test")
    page.goto(f"{demo.url}/settings/account")
    expect(page.locator("#primary-admin-only")).to_be_visible()
    expect(page.locator("#time-zone-form")).to_have_count(0)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    before = snapshot(demo.sessions)
    forged = page.request.post(
        f"{demo.url}/settings/account",
        form={"csrf_token": token, "time_zone": "Europe/Paris"},
    )
    assert forged.status == 403
    assert snapshot(demo.sessions) == before


@pytest.mark.browser
def test_an_unknown_time_zone_is_named_and_changes_nothing(
    page: Page, demo: LiveServer, sign_in: SignIn
) -> None:
    sign_in(page, demo, OWNER)
    page.goto(f"{demo.url}/settings/account")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    before = snapshot(demo.sessions)
    answer = page.request.post(
        f"{demo.url}/settings/account", form={"csrf_token": token, "time_zone": "Mars/Olympus"}
    )
    assert answer.status == 422
    assert "&#39;Mars/Olympus&#39; is not a time zone" in answer.text()
    assert snapshot(demo.sessions) == before


@pytest.mark.browser
def test_the_first_message_step_opens_compose_for_the_profile_phone(
    page: Page, demo: LiveServer, sign_in: SignIn
) -> None:
    with transaction(demo.sessions) as session:
        owner = user_by_email(session, OWNER)
        compliance.save_profile(session, actor=owner, values=PROFILE, now=utcnow())
        compliance.provision_number(
            session, actor=owner, provider=compliance.SimulatedPool(), country="US", now=utcnow()
        )
    sign_in(page, demo, OWNER)
    page.goto(f"{demo.url}/getting-started")
    step = page.locator("#step-first_message")
    expect(step).to_contain_text("Send a test message to your own phone (+14155550100")
    expect(step).not_to_contain_text("Coming with sending")
    step.get_by_role("link", name="Send a test message").click()
    page.wait_for_url(f"{demo.url}/compose?to=%2B14155550100")
    expect(page.get_by_label("To a number")).to_have_value("+14155550100")


@pytest.mark.browser
def test_lite_is_told_to_upgrade_its_plan(page: Page, demo: LiveServer, sign_in: SignIn) -> None:
    sign_in(page, demo, "lite@demo.test")
    page.goto(f"{demo.url}/getting-started")
    notice = page.locator("#addon-missing")
    expect(notice).to_contain_text("Your Lite plan does not include SMS.")
    expect(notice).to_contain_text("Plus, Professional, or Enterprise plan: upgrade your plan")
    expect(notice).not_to_contain_text("add it on Billing")
