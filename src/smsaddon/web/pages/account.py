"""The account's time zone (Settings, under the user's name): everyone sees it; the Primary
Admin changes it. Every date and time on the pages is shown in it, with UTC on hover."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from smsaddon import formatting
from smsaddon.accounts import User, set_time_zone
from smsaddon.db import transaction, utcnow
from smsaddon.errors import PermissionDenied, ValidationFailed
from smsaddon.web import state
from smsaddon.web.pages.settings import refused
from smsaddon.web.rendering import render
from smsaddon.web.security import signed_in_user

router = APIRouter(prefix="/settings")


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request) -> Response:
    with transaction(state.sessions(request)) as session:
        user = signed_in_user(request, session)
        return _page(request, user, flash=request.session.pop("flash", None))


@router.post("/account", response_class=HTMLResponse)
def change_time_zone(request: Request, time_zone: Annotated[str, Form(max_length=64)]) -> Response:
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            account = set_time_zone(session, actor=user, time_zone=time_zone, now=utcnow())
            zone = account.time_zone
    except ValidationFailed as error:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            return _page(request, user, error=error.message, status_code=422)
    except PermissionDenied as error:
        return refused(request, error)
    request.session["flash"] = f"Times are now shown in {zone}."
    return RedirectResponse("/settings/account", status_code=303)


def _page(
    request: Request,
    user: User,
    *,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "user": user,
        "zones": formatting.time_zones(),
        "now": utcnow(),
        "flash": flash,
        "error": error,
    }
    return render(request, "settings_account.html", context, status_code=status_code)
