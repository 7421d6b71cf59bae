"""The audit log page, for admins: who did what, when and from where, newest first, with
filters by area, person and day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from smsaddon import audit, formatting
from smsaddon.db import MAX_ID
from smsaddon.http.unit import PageRead

router = APIRouter()
PAGE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    unit: PageRead,
    action: Annotated[str, Query(max_length=60)] = "",
    user: Annotated[str, Query(max_length=12)] = "",
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    zone = unit.user.account.time_zone
    errors: dict[str, str] = {}
    entries = audit.list_entries(
        unit.session,
        actor=unit.user,
        action=action or None,
        actor_user_id=int(user) if user.isdigit() and int(user) <= MAX_ID else None,
        since=_start_of("from", since, zone, errors),
        until=_start_of("to", until, zone, errors, days_after=1),
        before_id=before,
        limit=PAGE + 1,
    )
    context = {
        "entries": [] if errors else entries[:PAGE],
        "older": entries[PAGE - 1].id if len(entries) > PAGE and not errors else None,
        "areas": audit.AREAS,
        "people": unit.user.account.users,
        "filters": {"action": action, "user": user, "from": since, "to": until},
        "errors": errors,
    }
    return unit.render("audit.html", context, status_code=422 if errors else 200)


LABELS = {"from": "From", "to": "To"}


def _start_of(
    field: str, text: str, zone: str, errors: dict[str, str], *, days_after: int = 0
) -> datetime | None:
    """The start of the day `text` (YYYY-MM-DD, plus `days_after`) in the account's time zone,
    in UTC; None without a day. A day that is not one, or out of range, goes into `errors`."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text) + timedelta(days=days_after)
        return datetime.combine(day, time.min, tzinfo=formatting.time_zone(zone)).astimezone(UTC)
    except (ValueError, OverflowError):
        errors[field] = f"{LABELS[field]}: {text!r} is not a day this log can show (YYYY-MM-DD)."
        return None
