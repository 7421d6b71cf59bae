"""The help article, step by step, in Chromium, on SQLite and on PostgreSQL.

"Click your name on the bottom left of the screen and select Billing & Upgrade; scroll down to
the add-ons section at the bottom of the page and locate the SMS option; click Add to plan; the
Review Purchase modal summarizes the changes to your billing; click Confirm purchase; your
available SMS credits appear on the upper left corner of the billing page." Then: "click Edit
next to X SMS Credits; pick the additional credits from the dropdown; the modal shows the total
cost; click Continue; click Confirm Purchase; the updated credit amount appears."
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from smsaddon.formatting import day, money
from tests.fixtures.live import LiveServer, live_server, postgres_database
from tests.web.browser import Shot, SignIn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def flow_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("flow") / "flow.db"
        with live_server(f"sqlite:///{path}") as live:
            yield live
    else:
        with postgres_database() as url, live_server(url) as live:
            yield live


@pytest.mark.parametrize("email", ["owner@demo.test", "billing@demo.test"])
def test_the_article_flow(
    email: str, flow_server: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    server = flow_server
    server.reset()
    user = server.user(email)
    sign_in(page, server, email)
    shot(page, "signed-in")

    # Click your name on the bottom left of the screen ...
    name = page.get_by_role("button", name=user.name, exact=True)
    expect(name).to_have_id("user-menu-button")
    box, viewport = name.bounding_box(), page.viewport_size
    assert box is not None and viewport is not None
    assert box["x"] < 100 and box["y"] + box["height"] > viewport["height"] - 100
    name.click()
    expect(name).to_have_attribute("aria-expanded", "true")
    billing_link = page.get_by_role("link", name="Billing & Upgrade", exact=True)
    expect(billing_link).to_be_visible()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    shot(page, "name-menu")

    # ... and select Billing & Upgrade.
    billing_link.click()
    page.wait_for_url(f"{server.url}/billing")
    expect(page.get_by_role("heading", name="Billing & Upgrade", level=1)).to_be_visible()
    expect(page.locator("#plan-name")).to_have_text("Plus")
    expect(page.locator("#plan-interval")).to_have_text("Billed monthly")
    expect(page.locator("#sms-credits")).to_have_count(0)
    expect(page.locator("#no-invoices")).to_be_visible()
    shot(page, "billing-page")

    # Scroll down to the add-ons section at the bottom and locate the SMS option.
    addons = page.get_by_role("region", name="Add-ons")
    addons.scroll_into_view_if_needed()
    sms = addons.get_by_role("article", name="SMS")
    expect(sms).to_be_visible()
    expect(sms.locator("#sms-addon-price")).to_have_text("$10.00 per month")
    expect(sms.locator("#sms-addon-included")).to_have_text("Includes 500 SMS credits every month.")
    shot(page, "add-ons-section")

    # Click Add to plan: the Review Purchase modal summarizes the changes.
    sms.get_by_role("button", name="Add to plan", exact=True).click()
    review = page.get_by_role("dialog", name="Review Purchase")
    expect(review).to_be_visible()
    confirm = review.get_by_role("button", name="Confirm purchase", exact=True)
    expect(confirm).to_be_focused()
    quote = server.latest_quote("Demo Co")
    assert quote.kind == "add_addon" and quote.credits_now == 500
    assert 0 < quote.amount_due_now <= 1000
    expect(review.get_by_role("heading", name="Review Purchase")).to_be_visible()
    expect(review).to_contain_text("SMS add-on, 500 credits a month")
    expect(review.locator("#review-due-now")).to_have_text(money(quote.amount_due_now, "USD"))
    expect(review.locator("#review-credits-now")).to_have_text("500")
    expect(review.locator("#review-monthly-credits")).to_have_text("500")
    expect(review.locator("#review-recurring")).to_have_text("$39.00 per month")
    expect(review.locator("#review-next-invoice")).to_have_text(
        f"$39.00 on {day(quote.next_invoice_date)}"
    )
    assert server.facts("Demo Co").purchases == []
    shot(page, "review-purchase")

    # Click Confirm purchase: the credits appear at the upper left of the billing page.
    confirm.click()
    badge = page.locator("#sms-credits")
    expect(badge).to_contain_text("500 SMS Credits")
    badge_box, main_box = badge.bounding_box(), page.locator("main").bounding_box()
    assert badge_box is not None and main_box is not None
    assert badge_box["x"] - main_box["x"] < 80 and badge_box["y"] - main_box["y"] < 80
    expect(page.locator("#flash")).to_contain_text("The SMS add-on is on your plan")
    expect(page.locator("#credits-included")).to_have_text("500")
    expect(page.locator("#credits-available")).to_have_text("500")
    invoices = page.locator("#invoices tbody tr")
    expect(invoices).to_have_count(1)
    expect(invoices.first).to_contain_text(money(quote.amount_due_now, "USD"))
    expect(invoices.first).to_contain_text("SMS add-on, 500 credits a month")
    facts = server.facts("Demo Co")
    assert facts.sms_addon is True
    assert facts.purchases == [quote.amount_due_now]
    assert facts.invoices == [(f"quote:{quote.id}", quote.amount_due_now)]
    assert facts.grants == [("addon", 500)]
    shot(page, "credits-upper-left")

    # Click Edit next to "500 SMS Credits": a modal with the dropdown.
    badge.get_by_role("button", name="Edit").click()
    edit = page.get_by_role("dialog", name="Edit SMS credits")
    expect(edit).to_be_visible()
    dropdown = edit.get_by_label("Additional monthly credits")
    expect(dropdown).to_be_focused()
    expect(dropdown.locator("option")).to_have_count(1 + len(server.catalog.bundles))
    expect(dropdown.locator("option").first).to_have_text("None")
    expect(edit.get_by_role("button", name="Continue")).to_be_disabled()
    shot(page, "edit-credits")

    # Pick 1,000 additional credits: the modal shows the total cost.
    dropdown.select_option(label="1,000 credits for $18.00 per month")
    expect(edit.locator("#bundle-summary")).to_have_text(
        "Total cost: $28.00 per month (the SMS add-on $10.00 + 1,000 additional credits "
        "$18.00). You get 1,500 SMS credits every month."
    )
    expect(edit.locator("#bundle-note")).to_contain_text("added at once")
    shot(page, "edit-total-cost")

    # Continue, then Confirm Purchase.
    edit.get_by_role("button", name="Continue", exact=True).click()
    expect(edit.get_by_role("heading", name="Review Purchase")).to_be_visible()
    bundle_quote = server.latest_quote("Demo Co")
    assert bundle_quote.kind == "change_bundle" and bundle_quote.credits_now == 1000
    expect(edit.locator("#review-due-now")).to_have_text(money(bundle_quote.amount_due_now, "USD"))
    expect(edit.locator("#review-credits-now")).to_have_text("1,000")
    expect(edit.locator("#review-monthly-credits")).to_have_text("1,500")
    expect(edit.locator("#review-recurring")).to_have_text("$57.00 per month")
    confirm = edit.get_by_role("button", name="Confirm Purchase", exact=True)
    expect(confirm).to_be_focused()
    shot(page, "edit-review-purchase")
    confirm.click()
    expect(badge).to_contain_text("1,500 SMS Credits")
    expect(page.locator("#credits-extra")).to_have_text("1,000")
    expect(invoices).to_have_count(2)
    facts = server.facts("Demo Co")
    assert facts.bundle_credits == 1000
    assert facts.purchases == [quote.amount_due_now, bundle_quote.amount_due_now]
    assert [total for _, total in facts.invoices] == facts.purchases
    assert facts.grants == [("addon", 500), ("bundle", 1000)]
    shot(page, "updated-credits")

    if email != "owner@demo.test":
        return
    # Lowering is offered too, and says when it takes effect.
    badge.get_by_role("button", name="Edit").click()
    dropdown.select_option("500")
    end = day(bundle_quote.next_invoice_date)
    expect(edit.locator("#bundle-note")).to_contain_text(
        f"Lower amounts take effect at the end of your billing period, on {end}."
    )
    shot(page, "edit-lower")
    edit.get_by_role("button", name="Continue", exact=True).click()
    expect(edit.get_by_role("heading", name="Review Change")).to_be_visible()
    expect(edit.locator("#review-effective")).to_have_text(end)
    expect(edit.locator("#review-due-now")).to_have_text("$0.00")
    shot(page, "review-lower")
    edit.get_by_role("button", name="Confirm change", exact=True).click()
    expect(page.locator("#pending-bundle")).to_have_text(
        f"Your additional credits change to 500 a month on {end}."
    )
    expect(badge).to_contain_text("1,500 SMS Credits")
    facts = server.facts("Demo Co")
    assert (facts.bundle_credits, facts.pending_bundle_credits) == (1000, 500)
    assert len(facts.purchases) == 3 and len(facts.invoices) == 2  # nothing charged today
    assert facts.grants == [("addon", 500), ("bundle", 1000)]
    shot(page, "lowered")
