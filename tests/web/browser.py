"""What the browser tests share: Debian's Chromium, where screenshots go, and the helpers' types.

Only tests under tests/web import Playwright (tests/test_import_graph.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# shot(page, "step") saves a numbered screenshot; sign_in(page, server, email) signs in.
Shot = Callable[[Page, str], Path]
SignIn = Callable[..., None]
