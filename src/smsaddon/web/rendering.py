"""Jinja2 templates with the Babel filters, and the one way pages render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from smsaddon.web import formatting
from smsaddon.web.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"

# Pages take scripts, styles and images from this site only and never render in a frame
# (a purchase button must not be clickable through someone else's page).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

templates = Jinja2Templates(directory=TEMPLATES)
templates.env.filters.update(
    money=formatting.money,
    number=formatting.number,
    day=formatting.day,
    moment=formatting.moment,
    per_interval=formatting.per_interval,
    interval_name=formatting.interval_name,
)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    values = {"csrf_token": csrf_token(request), **(context or {})}
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    response.headers.update(headers or {})
    return response
