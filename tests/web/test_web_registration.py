"""Getting started and the A2P 10DLC registration in Chromium: the profile, a sender number,
the registration form with every bad field named, the lock while under review, a rejection by
the operator command with its reason, a corrected resubmission, the approval, and the audit
log; a member sees it all but changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from smsaddon import compliance
from smsaddon.accounts import find_account
from smsaddon.db import transaction
from tests.fixtures.live import LiveServer
from tests.fixtures.snapshots import snapshot
from tests.web.browser import Shot, SignIn

pytestmark = pytest.mark.browser

PROFILE = {
    "Business name": "Demo Co",
    "Website": "https://demo.co",
    "Street address": "1 Market St",
    "City": "San Francisco",
    "State": "CA",
    "Postal code": "94105",
    "Country": "US",
    "Contact name": "Olivia Owner",
    "Contact email": "owner@demo.test",
    "Contact phone": "+1 415 555 0100",
}
STOP = " Reply STOP to opt out."


def operator(server: LiveServer, *args: str) -> str:
    """An operator command against the server's database, as a separate process."""
    env = {**os.environ, "SMSADDON_DATABASE_URL": server.app.state.services.settings.database_url}
    result = subprocess.run(
        [sys.executable, "-m", "smsaddon", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def status(server: LiveServer) -> compliance.RegistrationStatus:
    with transaction(server.sessions) as session:
        account_id = find_account(session, "Demo Co").id
        return compliance.registration_status(session, account_id=account_id)


def fill(page: Page, values: dict[str, str]) -> None:
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)


@pytest.fixture
def ready(demo: LiveServer) -> LiveServer:
    demo.services.reviewer = compliance.SimulatedReviewer()  # the operator decides
    demo.buy("owner@demo.test")
    return demo


def test_register_be_rejected_resubmit_and_be_approved(
    ready: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    server = ready
    sign_in(page, server, "owner@demo.test")
    page.goto(f"{server.url}/billing")
    page.get_by_role("link", name="Get started with SMS").click()
    page.wait_for_url(f"{server.url}/getting-started")
    expect(page.get_by_role("link", name="Getting started")).to_have_attribute(
        "aria-current", "page"
    )
    steps = page.locator("#steps")
    expect(steps.locator("#step-profile [data-state]")).to_have_text("To do")
    expect(steps.locator("#step-number [data-state]")).to_have_text("Not yet")
    expect(steps.locator("#step-registration")).to_contain_text("Puerto Rico")
    shot(page, "getting-started")

    # The business profile, first with a bad website.
    page.get_by_role("link", name="Add your business profile").click()
    fill(page, {**PROFILE, "Website": "demo"})
    page.get_by_role("button", name="Save business profile").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("1 field needs attention")
    expect(summary).to_contain_text("Website")
    expect(page.get_by_label("Website", exact=True)).to_have_attribute("aria-invalid", "true")
    shot(page, "profile-error")
    page.get_by_label("Website", exact=True).fill("https://demo.co")
    page.get_by_role("button", name="Save business profile").click()
    expect(page.locator("#flash")).to_have_text("Your business profile is saved.")
    expect(steps.locator("#step-profile [data-state]")).to_have_text("Done")

    # A sender number from the pool.
    page.get_by_role("button", name="Get a sender number").click()
    expect(page.locator("#flash")).to_contain_text("Your sender number is +1415555010")
    expect(steps.locator("#step-number [data-state]")).to_have_text("Done")
    shot(page, "number")

    # The registration: the brand starts from the profile; every bad field is named.
    page.get_by_role("link", name="Register").click()
    page.wait_for_url(f"{server.url}/registration")
    expect(page.get_by_label("Legal name", exact=True)).to_have_value("Demo Co")
    expect(page.get_by_label("City", exact=True)).to_have_value("San Francisco")
    fill(page, {"Legal name": "Demo Co LLC", "EIN": "12-34567"})
    page.get_by_label("Industry").select_option("retail")
    page.get_by_label("Use case").select_option("marketing")
    fill(
        page,
        {
            "Campaign description": "Offers and order updates for customers who opted in at "
            "checkout.",
            "Sample message 1": "Demo Co: 20% off this weekend only!",
            "How people opt in": "Customers tick an unticked SMS box at checkout.",
            "Opt-out reply": "Demo Co: you are unsubscribed.",
            "Help reply": "Demo Co: help at support@demo.co.",
        },
    )
    page.get_by_role("button", name="Submit for review").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("2 fields need attention")
    expect(summary).to_contain_text("EIN: An EIN is 9 digits")
    expect(summary).to_contain_text("Sample messages: Give at least 2 sample messages")
    expect(page.get_by_label("EIN", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("EIN", exact=True)).to_have_value("12-34567")  # kept as typed
    shot(page, "registration-errors")
    assert status(server).status == "not_started"  # nothing saved

    fill(page, {"EIN": "12-3456789", "Sample message 2": "Demo Co: your order has shipped."})
    page.get_by_role("button", name="Submit for review").click()
    expect(summary).to_contain_text("Sample messages: Sample 1, 2 has no opt-out language")
    fill(
        page,
        {
            "Sample message 1": "Demo Co: 20% off this weekend only!" + STOP,
            "Sample message 2": "Demo Co: your order has shipped." + STOP,
            "Help reply": "",
        },
    )
    page.get_by_role("button", name="Submit for review").click()
    expect(summary).to_contain_text("Help reply: Help reply is required.")
    expect(page.locator("#saved-not-submitted")).to_be_visible()
    assert status(server).status == "draft"  # the draft was saved, not submitted
    page.get_by_label("Help reply").fill("Demo Co: help at support@demo.co.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#registration-state")).to_have_text("In review")
    expect(page.get_by_label("Legal name", exact=True)).to_be_disabled()
    expect(page.get_by_label("Sample message 1")).to_be_disabled()
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    shot(page, "under-review")
    assert status(server).status == "submitted"

    # The operator rejects it; the reason shows; the form opens again for corrections.
    operator(
        server,
        "registration",
        "reject",
        "--account",
        "Demo Co",
        "--reason",
        "The website https://demo.co does not show the brand's name.",
    )
    page.reload()
    expect(page.locator("#registration-state")).to_have_text("Rejected")
    expect(page.locator("#registration-reason")).to_contain_text(
        "The website https://demo.co does not show the brand's name."
    )
    expect(page.get_by_label("Legal name", exact=True)).to_be_enabled()
    shot(page, "rejected")
    page.goto(f"{server.url}/getting-started")
    expect(page.locator("#step-registration [data-state]")).to_have_text("Needs attention")
    expect(page.locator("#step-registration")).to_contain_text("does not show the brand's name")
    page.get_by_role("link", name="Correct and resubmit").click()
    page.get_by_label("Website", exact=True).fill("https://www.democo.com")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#registration-state")).to_have_text("In review")
    expect(page.locator("#registration-status")).to_contain_text("Submitted 2 times")
    assert status(server).submissions == 2

    operator(server, "registration", "approve", "--account", "Demo Co")
    page.reload()
    expect(page.locator("#registration-state")).to_have_text("Approved")
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    shot(page, "approved")
    page.goto(f"{server.url}/getting-started")
    expect(page.locator("#step-registration [data-state]")).to_have_text("Done")

    # Every step is in the audit log, with who and from where.
    page.get_by_role("link", name="Audit log").click()
    rows = page.locator("#audit-entries tbody tr")
    expect(rows.first).to_have_attribute("data-action", "registration.approved")
    expect(rows.first).to_contain_text("The operator approved the 10DLC registration")
    expect(page.locator('tr[data-action="registration.rejected"]')).to_contain_text("cli")
    expect(page.locator('tr[data-action="purchase.confirmed"]')).to_have_count(1)
    expect(page.locator('tr[data-action="registration.submitted"]').first).to_contain_text(
        "127.0.0.1"
    )
    page.get_by_label("What").select_option("registration")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator('tr[data-action="purchase.confirmed"]')).to_have_count(0)
    shot(page, "audit-log")


def test_a_member_sees_the_registration_but_changes_nothing(
    ready: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, ready, "member@demo.test")
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    page.get_by_role("link", name="Getting started").click()
    expect(page.locator("#admins-only")).to_contain_text("Ask Olivia Owner")
    expect(page.get_by_role("button", name="Get a sender number")).to_have_count(0)
    page.goto(f"{ready.url}/registration")
    expect(page.get_by_label("Legal name", exact=True)).to_be_disabled()
    expect(page.get_by_label("Use case")).to_be_disabled()
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    shot(page, "member-registration")

    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    before = snapshot(ready.sessions)
    for path, form in (
        ("/registration", {"brand_part": "1", "legal_name": "Mine", "action": "submit"}),
        ("/getting-started/profile", PROFILE),
        ("/getting-started/number", {"country": "US"}),
    ):
        response = page.request.post(urljoin(page.url, path), form={"csrf_token": token, **form})
        assert response.status == 403, path
        assert "Only admins" in response.text()
    assert page.request.get(urljoin(page.url, "/audit")).status == 403
    assert snapshot(ready.sessions) == before


def test_the_forms_need_the_pages_security_token(
    ready: LiveServer, page: Page, sign_in: SignIn
) -> None:
    sign_in(page, ready, "owner@demo.test")
    before = snapshot(ready.sessions)
    for path in ("/registration", "/getting-started/profile", "/getting-started/number"):
        response = page.request.post(urljoin(page.url, path), form={"action": "submit"})
        assert response.status == 403 and "This form has expired" in response.text(), path
    assert snapshot(ready.sessions) == before
