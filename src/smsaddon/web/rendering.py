"""Jinja2 templates with the formatting filters, and the one way pages render.

Dates and times show in the signed-in user's account time zone (`time_zone` in the context,
set by `render`); `moment` also carries the UTC instant, on hover and for machines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from smsaddon import audit, formatting
from smsaddon.accounts import User
from smsaddon.web.security import csrf_token, is_fetch

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


def _zone(context: Context) -> str:
    return str(context.get("time_zone") or formatting.DEFAULT_ZONE)


@pass_context
def _day(context: Context, value: datetime) -> str:
    return formatting.day(value, _zone(context))


@pass_context
def _moment(context: Context, value: datetime) -> Markup:
    """<time> with the local time as text and the UTC instant as its title and datetime."""
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.isoformat(), formatting.utc(value), formatting.moment(value, _zone(context))
    )


templates = Jinja2Templates(directory=TEMPLATES)
templates.env.filters.update(
    money=formatting.money,
    number=formatting.number,
    count=formatting.count,
    percent=formatting.percent,
    any_of=formatting.any_of,
    day=_day,
    moment=_moment,
    per_interval=formatting.per_interval,
    interval_name=formatting.interval_name,
    sentence=audit.sentence,
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
    if not is_fetch(request):  # a whole page shows the note a form left for it, once
        values.setdefault("flash", request.session.pop("flash", None))
    user = values.get("user")
    if isinstance(user, User) and "time_zone" not in values:
        values["time_zone"] = user.account.time_zone
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    response.headers.update(headers or {})
    return response
