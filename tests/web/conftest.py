"""Web test fixtures: a live server per module and, for browser tests, Chromium via Playwright.

Browser tests skip when /usr/bin/chromium is missing, except with CI=true, where they fail.
Screenshots of each step go to test-artifacts/screenshots/<test>/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.fixtures.live import PASSWORD, LiveServer, live_server, skip_or_fail
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, Shot, SignIn


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per module, on SQLite; call `reset()` to start a test from the demo data."""
    path = tmp_path_factory.mktemp("web") / "web.db"
    with live_server(f"sqlite:///{path}") as live:
        yield live


@pytest.fixture
def demo(server: LiveServer) -> LiveServer:
    """The module's server with fresh demo data."""
    server.reset()
    return server


@pytest.fixture
def client(demo: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client of the demo server that does not follow redirects."""
    with httpx.Client(base_url=demo.url, follow_redirects=False, timeout=30) as http:
        yield http


# Browser --------------------------------------------------------------------------------------


# One Chromium for the whole run: Playwright's sync API allows one instance per thread.
@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: install Debian's chromium (make test-deps)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """shot(page, "review-purchase") saves the next numbered screenshot of this test."""
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    count = 0

    def take(page: Page, step: str) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{step}.png"
        page.screenshot(path=str(path))
        return path

    return take


@pytest.fixture
def sign_in() -> SignIn:
    """sign_in(page, server, email) signs in through the form and lands on the home page."""

    def go(page: Page, server: LiveServer, email: str, password: str = PASSWORD) -> None:
        page.goto(f"{server.url}/signin")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.url}/")

    return go
