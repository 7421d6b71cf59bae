"""In Chromium, Account settings: a user changes their own password (current, new, confirm);
their other sessions end and this one goes on; a refused change names its field and changes
nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from smsaddon.accounts import user_by_email
from smsaddon.accounts.service import password_matches
from smsaddon.db import transaction
from tests.fixtures.live import PASSWORD, LiveServer
from tests.fixtures.snapshots import snapshot
from tests.web.browser import Shot
from tests.web.test_layout import signed_in_page

MEMBER = "member@demo.test"
NEW = "a-new-and-long-password"


def password_is(server: LiveServer, email: str, password: str) -> bool:
    with transaction(server.sessions) as session:
        return password_matches(user_by_email(session, email), password)


def change(page: Page, current: str, new: str, again: str) -> None:
    page.get_by_label("Current password").fill(current)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(again)
    page.get_by_role("button", name="Change password").click()


@pytest.mark.browser
def test_changing_the_password_signs_the_other_sessions_out(
    browser: Browser, demo: LiveServer, shot: Shot
) -> None:
    laptop = signed_in_page(browser, demo, MEMBER, 1366)
    phone = signed_in_page(browser, demo, MEMBER, 390)
    try:
        laptop.get_by_role("button", name="Mia Member").click()
        laptop.get_by_role("link", name="Account settings").click()
        laptop.wait_for_url(f"{demo.url}/settings/account")
        change(laptop, PASSWORD, NEW, NEW)
        laptop.wait_for_url(f"{demo.url}/settings/account")
        expect(laptop.locator("#flash")).to_have_text(
            "Your password is changed. 1 other session signed out."
        )
        shot(laptop, "changed")
        assert password_is(demo, MEMBER, NEW)

        laptop.goto(f"{demo.url}/messages")  # this session goes on
        expect(laptop.get_by_role("heading", name="Messages", level=1)).to_be_visible()
        phone.goto(f"{demo.url}/messages")  # the other one has ended
        phone.wait_for_url(f"{demo.url}/signin?next=/messages")
        phone.get_by_label("Email").fill(MEMBER)
        phone.get_by_label("Password").fill(NEW)
        phone.get_by_role("button", name="Sign in").click()
        phone.wait_for_url(f"{demo.url}/messages")
    finally:
        laptop.context.close()
        phone.context.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("current", "new", "again", "field", "says"),
    [
        ("not-the-password", NEW, NEW, "current-password", "The current password is not right."),
        (PASSWORD, NEW, NEW + "!", "confirm-password", "The new password and its confirmation"),
        (PASSWORD, "short", "short", "new-password", "a password needs at least"),
    ],
    ids=["wrong current", "confirmation differs", "too short"],
)
def test_a_refused_change_names_its_field_and_changes_nothing(
    browser: Browser,
    demo: LiveServer,
    current: str,
    new: str,
    again: str,
    field: str,
    says: str,
) -> None:
    page = signed_in_page(browser, demo, MEMBER, 1366)
    try:
        page.goto(f"{demo.url}/settings/account")
        before = snapshot(demo.sessions)
        with page.expect_response(f"{demo.url}/settings/account/password") as answer:
            change(page, current, new, again)
        assert answer.value.status == 422
        expect(page.locator(f"#{field}-error")).to_contain_text(says)
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#new-password")).to_have_value("")  # passwords are not shown again
        assert snapshot(demo.sessions) == before
        assert password_is(demo, MEMBER, PASSWORD)
    finally:
        page.context.close()
