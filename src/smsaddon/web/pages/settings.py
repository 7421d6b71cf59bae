"""Settings: the account's users and the signed-in user's API tokens.

Everyone sees the users, their roles and who holds the billing permission; only the Primary
Admin changes them (a forged request from anyone else is refused with 403, nothing changed).
Each user creates and revokes their own API tokens; a new token is shown once, on the page the
creating form redirects to (it waits in the signed-in session for that one page, which takes
it out), and is stored nowhere else but as its hash.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import HTMLResponse, Response

from smsaddon.accounts import ApiToken, Role, User
from smsaddon.accounts.service import set_permissions
from smsaddon.accounts.tokens import create_token, list_tokens, revoke_token
from smsaddon.db import MAX_ID
from smsaddon.errors import ValidationFailed
from smsaddon.http.unit import PageRead, PageUnit, PageWrite

router = APIRouter(prefix="/settings")

ROLE_NAMES = {Role.PRIMARY_ADMIN: "Primary Admin", Role.ADMIN: "Admin", Role.USER: "User"}
FLAGS = {"": None, "true": True, "false": False}
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


# Users ---------------------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
def users_page(unit: PageRead) -> Response:
    people = unit.user.account.users
    context = {
        "people": people,
        "role_names": ROLE_NAMES,
        "primary_admin": next(u for u in people if u.role == Role.PRIMARY_ADMIN),
    }
    return unit.render("settings_users.html", context)


@router.post("/users/{user_id}/permissions", response_class=HTMLResponse)
def change_permissions(
    unit: PageWrite,
    user_id: Id,
    role: Annotated[str, Form(max_length=20)] = "",
    can_bill: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    if (role and role not in tuple(Role)) or can_bill not in FLAGS:
        raise ValidationFailed("Choose a role (admin or user) or the billing permission.")
    changed = set_permissions(
        unit.session,
        actor=unit.user,
        user_id=user_id,
        role=Role(role) if role else None,
        can_bill=FLAGS[can_bill],
        now=unit.now,
    )
    unit.flash(_permissions_note(changed))
    return unit.redirect("/settings/users")


def _permissions_note(user: User) -> str:
    role = "an admin" if user.role == Role.ADMIN else "a user"
    billing = "with" if user.can_bill else "without"
    return f"{user.name} is now {role}, {billing} the billing permission."


# API tokens ----------------------------------------------------------------------------------


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(unit: PageRead) -> Response:
    new = unit.request.session.pop("new_token", None)
    created = _own_token(unit, new)
    return _tokens_page(unit, created=created, secret=new["secret"] if created else None)


@router.post("/tokens", response_class=HTMLResponse)
def create(unit: PageWrite, name: Annotated[str, Form(max_length=1000)] = "") -> Response:
    try:
        with unit.session.begin_nested():
            token, secret = create_token(unit.session, user=unit.user, name=name, now=unit.now)
    except ValidationFailed as error:
        return _tokens_page(unit, name=name, error=error.message)
    # Shown once, on the page this answer leads to, which takes it out of the session.
    unit.request.session["new_token"] = {"id": token.id, "secret": secret}
    return unit.redirect("/settings/tokens")


def _own_token(unit: PageUnit, new: object) -> ApiToken | None:
    """The token just created by the user, named by what its form left in the session."""
    if not isinstance(new, dict) or not isinstance(new.get("secret"), str):
        return None
    token = unit.session.get(ApiToken, new.get("id"))
    if token is None or token.user_id != unit.user.id or token.revoked_at is not None:
        return None
    return token


@router.post("/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke(unit: PageWrite, token_id: Id) -> Response:
    token = revoke_token(unit.session, user=unit.user, token_id=token_id, now=unit.now)
    unit.flash(
        f"The token “{token.name}” ({token.prefix}…) is revoked: requests with it are refused "
        "from now on."
    )
    return unit.redirect("/settings/tokens")


def _tokens_page(
    unit: PageUnit,
    *,
    name: str = "",
    error: str | None = None,
    created: ApiToken | None = None,
    secret: str | None = None,
) -> Response:
    context = {
        "tokens": list_tokens(unit.session, user=unit.user),
        "name": name,
        "error": error,
        "created": created,
        "secret": secret,
    }
    return unit.render("settings_tokens.html", context, status_code=422 if error else 200)
