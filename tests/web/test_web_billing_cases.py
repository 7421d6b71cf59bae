"""The billing page beyond the article, in Chromium: what it refuses and how it says so
(members without the billing permission, Lite Co, a double click, an expired quote, a changed
subscription, a declined payment), an annual plan, removing the add-on, the keyboard, signing
in and out, and the countries page."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Locator, Page, expect

from smsaddon.formatting import day
from tests.fixtures.live import LiveServer, live_server
from tests.web.browser import Shot, SignIn

pytestmark = pytest.mark.browser


def csrf(page: Page) -> str:
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    return token


def forge(page: Page, path: str, **form: str) -> int:
    """A POST with the signed-in user's own cookie and CSRF token, as a hand-made request."""
    token = csrf(page)
    response = page.request.post(
        urljoin(page.url, path),
        form={"csrf_token": token, **form},
        headers={"X-CSRF-Token": token, "X-Requested-With": "fetch"},
    )
    return response.status


def open_billing(page: Page, server: LiveServer) -> None:
    page.get_by_role("button", name="Olivia Owner").click()
    page.get_by_role("link", name="Billing & Upgrade").click()
    page.wait_for_url(f"{server.url}/billing")


def add_to_plan(page: Page) -> Locator:
    page.get_by_role("button", name="Add to plan", exact=True).click()
    review = page.get_by_role("dialog", name="Review Purchase")
    expect(review.get_by_role("heading", name="Review Purchase")).to_be_visible()
    return review


def test_a_member_sees_the_credits_but_cannot_buy(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, demo, "member@demo.test")
    page.goto(f"{demo.url}/billing")
    sms = page.locator("#sms-addon")
    expect(sms.locator("#no-permission")).to_contain_text(
        "Only the Primary Admin and users with the billing permission can buy or change SMS"
    )
    expect(sms.locator("#no-permission")).to_contain_text("Ask Olivia Owner (owner@demo.test)")
    expect(page.get_by_role("button", name="Add to plan")).to_have_count(0)
    expect(page.locator("dialog")).to_have_count(0)
    sms.scroll_into_view_if_needed()
    shot(page, "member-before-add-on")
    before = demo.facts("Demo Co")
    assert forge(page, "/billing/quotes/addon") == 403
    assert demo.facts("Demo Co") == before

    demo.buy("owner@demo.test")  # the owner adds SMS; the member now sees the credits
    owner_quote = demo.open_quote("owner@demo.test", bundle_credits=1000)
    page.reload()
    expect(page.locator("#sms-credits")).to_have_text("500 SMS Credits")
    expect(page.locator("#credits-available")).to_have_text("500")
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove from plan")).to_have_count(0)
    expect(page.locator("dialog")).to_have_count(0)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "member-sees-credits")
    sms.scroll_into_view_if_needed()
    shot(page, "member-no-purchase-controls")
    before = demo.facts("Demo Co")
    assert forge(page, "/billing/quotes/bundle", bundle_credits="1000") == 403
    assert forge(page, "/billing/quotes/remove") == 403
    assert forge(page, f"/billing/quotes/{owner_quote}/confirm", kind="change_bundle") == 403
    after = demo.facts("Demo Co")
    assert after == before
    assert (after.bundle_credits, after.grants) == (0, [("addon", 500)])


def test_lite_co_is_told_which_plan_it_needs(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, demo, "lite@demo.test")
    page.goto(f"{demo.url}/billing")
    expect(page.locator("#plan-name")).to_have_text("Lite")
    expect(page.locator("#not-eligible")).to_have_text(
        "SMS is not available on the Lite plan. Upgrade to Plus, Professional, or Enterprise "
        "to add SMS to your plan."
    )
    expect(page.get_by_role("button", name="Add to plan")).to_have_count(0)
    expect(page.locator("#sms-credits")).to_have_count(0)
    page.locator("#not-eligible").scroll_into_view_if_needed()
    shot(page, "lite-not-eligible")
    before = demo.facts("Lite Co")
    assert forge(page, "/billing/quotes/addon") == 403
    assert forge(page, "/billing/quotes/bundle", bundle_credits="500") == 403
    after = demo.facts("Lite Co")
    assert after == before
    assert (after.quotes, after.purchases, after.grants) == (0, [], [])


def test_a_double_click_buys_once(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, demo, "owner@demo.test")
    open_billing(page, demo)
    review = add_to_plan(page)
    review.get_by_role("button", name="Confirm purchase", exact=True).dblclick()
    expect(page.locator("#sms-credits")).to_contain_text("500 SMS Credits")
    shot(page, "after-double-click")
    facts = demo.facts("Demo Co")
    assert len(facts.purchases) == 1 and len(facts.invoices) == 1
    assert facts.grants == [("addon", 500)]

    # And the server is idempotent whatever the page does: five confirms at once, one purchase.
    page.locator("#sms-credits").get_by_role("button", name="Edit").click()
    edit = page.get_by_role("dialog", name="Edit SMS credits")
    edit.get_by_label("Additional monthly credits").select_option("1000")
    edit.get_by_role("button", name="Continue").click()
    expect(edit.get_by_role("button", name="Confirm Purchase", exact=True)).to_be_visible()
    quote_id = demo.latest_quote("Demo Co").id
    statuses = page.evaluate(
        """async ([url, token]) => {
            const send = () => fetch(url, {method: "POST", headers: {"X-CSRF-Token": token}});
            const answers = await Promise.all([send(), send(), send(), send(), send()]);
            return answers.map((answer) => answer.status);
        }""",
        [f"/billing/quotes/{quote_id}/confirm", csrf(page)],
    )
    assert statuses == [204] * 5
    facts = demo.facts("Demo Co")
    assert len(facts.purchases) == 2 and len(facts.invoices) == 2
    assert facts.grants == [("addon", 500), ("bundle", 1000)]


def test_an_expired_review_is_refused_and_can_be_reviewed_again(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, demo, "owner@demo.test")
    open_billing(page, demo)
    review = add_to_plan(page)
    first = demo.latest_quote("Demo Co")
    demo.expire_quote(first.id)  # the customer waited past the quote's expiry
    review.get_by_role("button", name="Confirm purchase", exact=True).click()
    expect(review.get_by_role("heading", name="This review has expired")).to_be_visible()
    expect(review.get_by_role("alert")).to_contain_text("Nothing was charged")
    again = review.get_by_role("button", name="Review again")
    expect(again).to_be_focused()
    shot(page, "quote-expired")
    facts = demo.facts("Demo Co")
    assert (facts.sms_addon, facts.purchases, facts.invoices, facts.grants) == (
        False,
        [],
        [],
        [],
    )

    again.click()
    expect(review.get_by_role("heading", name="Review Purchase")).to_be_visible()
    assert demo.latest_quote("Demo Co").id != first.id
    shot(page, "reviewed-again")
    review.get_by_role("button", name="Confirm purchase", exact=True).click()
    expect(page.locator("#sms-credits")).to_contain_text("500 SMS Credits")
    facts = demo.facts("Demo Co")
    assert len(facts.purchases) == 1 and facts.grants == [("addon", 500)]


def test_a_subscription_changed_since_the_review_is_refused(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    demo.buy("owner@demo.test")
    sign_in(page, demo, "owner@demo.test")
    open_billing(page, demo)
    page.locator("#sms-credits").get_by_role("button", name="Edit").click()
    edit = page.get_by_role("dialog", name="Edit SMS credits")
    edit.get_by_label("Additional monthly credits").select_option("1000")
    edit.get_by_role("button", name="Continue").click()
    confirm = edit.get_by_role("button", name="Confirm Purchase", exact=True)
    expect(confirm).to_be_visible()
    demo.buy("billing@demo.test", bundle_credits=500)  # meanwhile, a colleague buys 500
    confirm.click()
    expect(edit.get_by_role("heading", name="Your subscription has changed")).to_be_visible()
    expect(edit.get_by_role("alert")).to_contain_text("Nothing was charged")
    shot(page, "subscription-changed")
    facts = demo.facts("Demo Co")
    assert facts.bundle_credits == 500 and len(facts.purchases) == 2
    assert facts.grants == [("addon", 500), ("bundle", 500)]

    edit.get_by_role("button", name="Review again").click()
    expect(edit).to_contain_text("Additional SMS credits: 500 to 1,000 a month")
    expect(edit.locator("#review-credits-now")).to_have_text("500")
    edit.get_by_role("button", name="Confirm Purchase", exact=True).click()
    expect(page.locator("#sms-credits")).to_contain_text("1,500 SMS Credits")
    facts = demo.facts("Demo Co")
    assert facts.bundle_credits == 1000 and len(facts.purchases) == 3
    assert facts.grants == [("addon", 500), ("bundle", 500), ("bundle", 500)]


def test_an_annual_plan_pays_per_year_and_gets_credits_every_month(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, demo, "annual@demo.test")
    page.goto(f"{demo.url}/billing")
    expect(page.locator("#plan-interval")).to_have_text("Billed annually")
    expect(page.locator("#sms-addon-price")).to_have_text("$250.00 per year")
    expect(page.locator("#sms-addon-included")).to_have_text(
        "Includes 1,500 SMS credits every month."
    )
    review = add_to_plan(page)
    expect(review.locator("#review-recurring")).to_contain_text("per year")
    quote = demo.latest_quote("Annual Co")
    review.get_by_role("button", name="Confirm purchase", exact=True).click()
    expect(page.locator("#sms-credits")).to_contain_text("1,500 SMS Credits")
    page.locator("#sms-credits").get_by_role("button", name="Edit").click()
    edit = page.get_by_role("dialog", name="Edit SMS credits")
    edit.get_by_label("Additional monthly credits").select_option("500")
    expect(edit.locator("#bundle-summary")).to_have_text(
        "Total cost: $350.00 per year (the SMS add-on $250.00 + 500 additional credits "
        "$100.00). You get 2,000 SMS credits every month."
    )
    shot(page, "annual-edit")
    facts = demo.facts("Annual Co")
    assert facts.purchases == [quote.amount_due_now] and facts.grants == [("addon", 1500)]


def test_removing_the_add_on_takes_effect_at_the_end_of_the_period(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    demo.buy("owner@demo.test")
    sign_in(page, demo, "owner@demo.test")
    open_billing(page, demo)
    page.get_by_role("button", name="Remove from plan").click()
    review = page.get_by_role("dialog", name="Review Purchase")
    expect(review.get_by_role("heading", name="Review Change")).to_be_visible()
    quote = demo.latest_quote("Demo Co")
    end = day(quote.effective_at)
    expect(review.locator("#review-effective")).to_have_text(end)
    expect(review.locator("#review-due-now")).to_have_text("$0.00")
    shot(page, "review-removal")
    review.get_by_role("button", name="Confirm removal", exact=True).click()
    expect(page.locator("#addon-ends")).to_have_text(f"The SMS add-on ends on {end}.")
    expect(page.locator("#sms-credits")).to_contain_text("500 SMS Credits")  # kept till then
    expect(page.get_by_role("button", name="Remove from plan")).to_have_count(0)
    facts = demo.facts("Demo Co")
    assert facts.sms_addon is True and len(facts.purchases) == 2 and len(facts.invoices) == 1


@pytest.fixture(scope="module")
def declining(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("declining") / "declining.db"
    with live_server(f"sqlite:///{path}", SMSADDON_PAYMENT_PROVIDER="declining") as live:
        yield live


def test_a_declined_payment_buys_nothing(
    declining: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    declining.reset()
    sign_in(page, declining, "owner@demo.test")
    open_billing(page, declining)
    review = add_to_plan(page)
    review.get_by_role("button", name="Confirm purchase", exact=True).click()
    expect(review.get_by_role("heading", name="Your payment was declined")).to_be_visible()
    expect(review.get_by_role("alert")).to_contain_text(
        "nothing was charged and no credits were added"
    )
    expect(review.get_by_role("button", name="Try again")).to_be_focused()
    shot(page, "payment-declined")
    review.get_by_role("button", name="Try again").click()
    expect(review.get_by_role("heading", name="Your payment was declined")).to_be_visible()
    facts = declining.facts("Demo Co")
    assert (facts.sms_addon, facts.purchases, facts.invoices, facts.grants) == (
        False,
        [],
        [],
        [],
    )
    page.keyboard.press("Escape")
    expect(review).to_be_hidden()
    expect(page.locator("#sms-credits")).to_have_count(0)
    expect(page.get_by_role("button", name="Add to plan")).to_be_visible()


def test_a_server_or_network_failure_is_explained_in_the_modal(
    demo: LiveServer, page: Page, sign_in: SignIn
) -> None:
    sign_in(page, demo, "owner@demo.test")
    open_billing(page, demo)
    review = add_to_plan(page)
    page.route("**/confirm", lambda route: route.fulfill(status=500, body="Internal Error"))
    review.get_by_role("button", name="Confirm purchase", exact=True).click()
    expect(review.get_by_role("alert")).to_contain_text(
        "The server could not complete this step. Reload the page"
    )
    page.keyboard.press("Escape")
    page.unroute("**/confirm")
    review = add_to_plan(page)
    page.route("**/confirm", lambda route: route.abort())
    review.get_by_role("button", name="Confirm purchase", exact=True).click()
    expect(review.get_by_role("alert")).to_contain_text("The connection to the server failed.")
    assert demo.facts("Demo Co").purchases == []


def test_the_keyboard_reaches_everything(demo: LiveServer, page: Page, sign_in: SignIn) -> None:
    sign_in(page, demo, "owner@demo.test")
    name = page.get_by_role("button", name="Olivia Owner")
    name.focus()
    page.keyboard.press("Enter")
    billing_link = page.get_by_role("link", name="Billing & Upgrade")
    expect(billing_link).to_be_focused()
    page.keyboard.press("Escape")
    expect(billing_link).to_be_hidden()
    expect(name).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo.url}/billing")

    add = page.get_by_role("button", name="Add to plan", exact=True)
    add.focus()
    page.keyboard.press("Enter")
    review = page.get_by_role("dialog", name="Review Purchase")
    expect(review.get_by_role("button", name="Confirm purchase", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(review).to_be_hidden()
    assert demo.facts("Demo Co").purchases == []
    # Every form control on the page has a label.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input:not([type=hidden]), select")]
            .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.outerHTML)"""
    )
    assert unlabelled == []


def test_signing_in_and_out_in_the_browser(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    page.goto(f"{demo.url}/billing")
    page.wait_for_url(f"{demo.url}/signin?next=/billing")
    page.get_by_label("Email").fill("owner@demo.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The email or password is incorrect. Check both and try again."
    )
    shot(page, "wrong-password")
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo.url}/billing")
    page.get_by_role("button", name="Olivia Owner").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto(f"{demo.url}/billing")
    page.wait_for_url(f"{demo.url}/signin?next=/billing")


def test_the_countries_page_filters_as_you_type(demo: LiveServer, page: Page, shot: Shot) -> None:
    page.goto(f"{demo.url}/countries")
    rows = page.locator("#countries tbody tr")
    expect(rows).to_have_count(len(demo.catalog.countries))
    search = page.get_by_label("Search countries")
    search.fill("zealand")
    visible = page.locator("#countries tbody tr:visible")
    expect(visible).to_have_count(1)
    expect(visible.first).to_contain_text("New Zealand")
    expect(visible.first.locator("td").last).to_have_text("10")
    shot(page, "countries-search")
    search.fill("+44")
    expect(visible).to_have_count(4)
    expect(visible.filter(has_text="United Kingdom")).to_have_count(1)
    search.fill("atlantis")
    expect(page.locator("#no-country")).to_be_visible()
    expect(page.locator("#country-count")).to_have_text(
        f"0 of {len(demo.catalog.countries)} countries match"
    )
    # Without the script, the search box asks the server, which uses the same rules.
    page.goto(f"{demo.url}/countries?q=%2B44")
    expect(page.locator("#countries tbody tr:visible")).to_have_count(4)
    expect(page.locator("#country-count")).to_have_text(
        f"4 of {len(demo.catalog.countries)} countries match"
    )
