"""Every page at 390 px (a phone) and 1366 px (a laptop), signed in as the user who sees the
most on it, with a busy account: the document is never wider than the viewport.

A full-page screenshot of each is saved to test-artifacts/screenshots/layout/<width>/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, StorageState

from tests.fixtures.busy import make_busy
from tests.fixtures.live import PASSWORD, LiveServer, live_server
from tests.web.browser import SCREENSHOTS

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
def signed_in() -> dict[str, StorageState]:
    """The cookies of each user signed in on the busy server, kept for the module."""
    return {}


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("layout") / "layout.db"
    with live_server(f"sqlite:///{path}") as live:
        make_busy(live)
        yield live


def signed_in_page(
    browser: Browser,
    server: LiveServer,
    email: str | None,
    width: int,
    signed_in: dict[str, StorageState] | None = None,
) -> Page:
    """A page at `width`, signed in as `email` through the form, or with the cookies of the
    earlier sign-in kept in `signed_in` (each sign-in counts against the address's limit)."""
    state = signed_in.get(email) if signed_in is not None and email else None
    context = browser.new_context(
        viewport={"width": width, "height": 844}, locale="en-US", storage_state=state
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    if email and state is None:
        page.goto(f"{server.url}/signin")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.url}/")
        if signed_in is not None:
            signed_in[email] = context.storage_state()
    return page


def document_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "path", "email"), PAGES, ids=[p[0] for p in PAGES])
def test_no_page_is_wider_than_the_viewport(
    browser: Browser,
    busy: LiveServer,
    signed_in: dict[str, StorageState],
    name: str,
    path: str,
    email: str | None,
    width: int,
) -> None:
    page = signed_in_page(browser, busy, email, width, signed_in)
    try:
        response = page.goto(f"{busy.url}{path}")
        assert response is not None and response.status == 200
        folder = SCREENSHOTS / "layout" / str(width)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        assert document_width(page) <= width, f"{path} is {document_width(page)} px wide"
    finally:
        page.context.close()
