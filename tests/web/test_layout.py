"""Every page at 390 px (a phone) and 1366 px (a laptop), signed in as the user who sees the
most on it, with a busy account: the document is never wider than the viewport.

A full-page screenshot of each is saved to test-artifacts/screenshots/layout/<width>/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.web.busy import make_busy
from tests.web.webtools import PASSWORD, SCREENSHOTS, LiveServer, live_server

WIDTHS = (390, 1366)
OWNER, MEMBER, LITE = "owner@demo.test", "member@demo.test", "lite@demo.test"
# (name, path, who is signed in: None for a public page)
PAGES = [
    ("signin", "/signin", None),
    ("countries", "/countries", None),
    ("home", "/", OWNER),
    ("getting-started", "/getting-started", OWNER),
    ("profile", "/getting-started/profile", OWNER),
    ("registration", "/registration", OWNER),
    ("compose", "/compose", OWNER),
    ("messages", "/messages", OWNER),
    ("contacts", "/contacts", OWNER),
    ("audit", "/audit", OWNER),
    ("billing", "/billing", OWNER),
    ("users", "/settings/users", OWNER),
    ("tokens", "/settings/tokens", OWNER),
    ("time-zone", "/settings/account", OWNER),
    ("users-as-member", "/settings/users", MEMBER),
    ("billing-as-member", "/billing", MEMBER),
    ("billing-lite", "/billing", LITE),
    ("getting-started-lite", "/getting-started", LITE),
]


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("layout") / "layout.db"
    with live_server(f"sqlite:///{path}") as live:
        make_busy(live)
        yield live


def signed_in_page(browser: Browser, server: LiveServer, email: str | None, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    if email:
        page.goto(f"{server.url}/signin")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.url}/")
    return page


def document_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "path", "email"), PAGES, ids=[p[0] for p in PAGES])
def test_no_page_is_wider_than_the_viewport(
    browser: Browser,
    busy: LiveServer,
    name: str,
    path: str,
    email: str | None,
    width: int,
) -> None:
    page = signed_in_page(browser, busy, email, width)
    try:
        response = page.goto(f"{busy.url}{path}")
        assert response is not None and response.status == 200
        folder = SCREENSHOTS / "layout" / str(width)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        assert document_width(page) <= width, f"{path} is {document_width(page)} px wide"
    finally:
        page.context.close()
