"""The audit log page, for admins: who did what, when and from where, newest first, with
filters by area, person and day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from smsaddon import audit
from smsaddon.db import MAX_ID, transaction
from smsaddon.errors import PermissionDenied
from smsaddon.web import state
from smsaddon.web.pages.getting_started import refused
from smsaddon.web.rendering import render
from smsaddon.web.security import signed_in_user

router = APIRouter()
PAGE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    action: Annotated[str, Query(max_length=60)] = "",
    user: Annotated[str, Query(max_length=12)] = "",
    since: Annotated[str, Query(alias="from", max_length=10)] = "",
    until: Annotated[str, Query(alias="to", max_length=10)] = "",
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    start, end = _day(since), _day(until)
    actor_id = int(user) if user.isdigit() and int(user) <= MAX_ID else None
    with transaction(state.sessions(request)) as session:
        viewer = signed_in_user(request, session)
        try:
            entries = audit.list_entries(
                session,
                actor=viewer,
                action=action or None,
                actor_user_id=actor_id,
                since=start,
                until=end + timedelta(days=1) if end else None,
                before_id=before,
                limit=PAGE + 1,
            )
        except PermissionDenied as error:
            return refused(request, error)
        context = {
            "user": viewer,
            "entries": entries[:PAGE],
            "older": entries[PAGE - 1].id if len(entries) > PAGE else None,
            "areas": audit.AREAS,
            "people": viewer.account.users,
            "filters": {"action": action, "user": user, "from": since, "to": until},
        }
        return render(request, "audit.html", context)


def _day(text: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text), time.min, tzinfo=UTC) if text else None
    except ValueError:
        return None
