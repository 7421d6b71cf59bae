"""Account settings (under the user's name): the account's time zone, which everyone sees and
the Primary Admin changes (every date and time on the pages is shown in it, with UTC on
hover), and the signed-in user's password, which they change themselves (their other sessions
end)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from smsaddon import formatting
from smsaddon.accounts import passwords, set_time_zone
from smsaddon.errors import ValidationFailed
from smsaddon.formatting import count
from smsaddon.http.unit import PageRead, PageUnit, PageWrite
from smsaddon.web.pages.forms import field_of
from smsaddon.web.security import session_token

router = APIRouter(prefix="/settings")


@router.get("/account", response_class=HTMLResponse)
def account_page(unit: PageRead) -> Response:
    return _page(unit)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    unit: PageWrite,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    confirm_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        with unit.session.begin_nested():
            if new_password != confirm_password:
                raise ValidationFailed(
                    "The new password and its confirmation differ: type the same one twice.",
                    field="confirm_password",
                )
            ended = passwords.change_password(
                unit.session,
                user=unit.user,
                current=current_password,
                new=new_password,
                now=unit.now,
                keep_session=session_token(unit.request),
            )
    except ValidationFailed as error:  # passwords are never shown again: typed anew
        field = field_of(error, "new_password")
        return _page(unit, password_errors={field: error.message}, status_code=422)
    signed_out = f" {count(ended, 'other session')} signed out." if ended else ""
    unit.flash(f"Your password is changed.{signed_out}")
    return unit.redirect("/settings/account")


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


def _page(
    unit: PageUnit,
    *,
    error: str | None = None,
    password_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "zones": formatting.time_zones(),
        "now": unit.now,
        "error": error,
        "password_errors": password_errors or {},
    }
    return unit.render("settings_account.html", context, status_code=status_code)
