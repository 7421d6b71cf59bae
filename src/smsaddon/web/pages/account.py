"""The account's time zone (Settings, under the user's name): everyone sees it; the Primary
Admin changes it. Every date and time on the pages is shown in it, with UTC on hover."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from smsaddon import formatting
from smsaddon.accounts import set_time_zone
from smsaddon.errors import ValidationFailed
from smsaddon.http.unit import PageRead, PageUnit, PageWrite

router = APIRouter(prefix="/settings")


@router.get("/account", response_class=HTMLResponse)
def account_page(unit: PageRead) -> Response:
    return _page(unit)


@router.post("/account", response_class=HTMLResponse)
def change_time_zone(unit: PageWrite, time_zone: Annotated[str, Form(max_length=64)]) -> Response:
    try:
        with unit.session.begin_nested():
            account = set_time_zone(
                unit.session, actor=unit.user, time_zone=time_zone, now=unit.now
            )
    except ValidationFailed as error:
        return _page(unit, error=error.message, status_code=422)
    unit.flash(f"Times are now shown in {account.time_zone}.")
    return unit.redirect("/settings/account")


def _page(unit: PageUnit, *, error: str | None = None, status_code: int = 200) -> Response:
    context = {"zones": formatting.time_zones(), "now": unit.now, "error": error}
    return unit.render("settings_account.html", context, status_code=status_code)
