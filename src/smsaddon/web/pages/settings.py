"""Settings: the account's users and the signed-in user's API tokens.

Everyone sees the users, their roles and who holds the billing permission; only the Primary
Admin changes them (a forged request from anyone else is refused with 403, nothing changed).
Each user creates and revokes their own API tokens; a new token is shown once, on the page the
creating form redirects to (it waits in the signed-in session for that one page, which takes
it out), and is stored nowhere else but as its hash.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from smsaddon.accounts import ApiToken, Role, User
from smsaddon.accounts.service import set_permissions
from smsaddon.accounts.tokens import create_token, list_tokens, revoke_token
from smsaddon.db import MAX_ID, transaction, utcnow
from smsaddon.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from smsaddon.web import state
from smsaddon.web.rendering import render
from smsaddon.web.security import signed_in_user

router = APIRouter(prefix="/settings")

ROLE_NAMES = {Role.PRIMARY_ADMIN: "Primary Admin", Role.ADMIN: "Admin", Role.USER: "User"}
FLAGS = {"": None, "true": True, "false": False}
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


# Users ---------------------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request) -> Response:
    with transaction(state.sessions(request)) as session:
        viewer = signed_in_user(request, session)
        people = viewer.account.users
        context = {
            "user": viewer,
            "people": people,
            "role_names": ROLE_NAMES,
            "primary_admin": next(u for u in people if u.role == Role.PRIMARY_ADMIN),
            "flash": request.session.pop("flash", None),
        }
        return render(request, "settings_users.html", context)


@router.post("/users/{user_id}/permissions", response_class=HTMLResponse)
def change_permissions(
    request: Request,
    user_id: Id,
    role: Annotated[str, Form(max_length=20)] = "",
    can_bill: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    try:
        with transaction(state.sessions(request)) as session:
            actor = signed_in_user(request, session)
            if (role and role not in tuple(Role)) or can_bill not in FLAGS:
                raise ValidationFailed("Choose a role (admin or user) or the billing permission.")
            changed = set_permissions(
                session,
                actor=actor,
                user_id=user_id,
                role=Role(role) if role else None,
                can_bill=FLAGS[can_bill],
                now=utcnow(),
            )
            note = _permissions_note(changed)
    except DomainError as error:
        return refused(request, error)
    request.session["flash"] = note
    return RedirectResponse("/settings/users", status_code=303)


def _permissions_note(user: User) -> str:
    role = "an admin" if user.role == Role.ADMIN else "a user"
    billing = "with" if user.can_bill else "without"
    return f"{user.name} is now {role}, {billing} the billing permission."


# API tokens ----------------------------------------------------------------------------------


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request) -> Response:
    new = request.session.pop("new_token", None)
    with transaction(state.sessions(request)) as session:
        user = signed_in_user(request, session)
        created = _own_token(session, user, new)
        return _tokens_page(
            request,
            session,
            user,
            flash=request.session.pop("flash", None),
            created=created,
            secret=new["secret"] if created else None,
        )


@router.post("/tokens", response_class=HTMLResponse)
def create(request: Request, name: Annotated[str, Form(max_length=1000)] = "") -> Response:
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            token, secret = create_token(session, user=user, name=name, now=utcnow())
    except ValidationFailed as error:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            return _tokens_page(request, session, user, name=name, error=error.message)
    # Shown once, on the page this answer leads to, which takes it out of the session.
    request.session["new_token"] = {"id": token.id, "secret": secret}
    return RedirectResponse("/settings/tokens", status_code=303)


def _own_token(session: Session, user: User, new: object) -> ApiToken | None:
    """The token just created by `user`, named by what its form left in the session."""
    if not isinstance(new, dict) or not isinstance(new.get("secret"), str):
        return None
    token = session.get(ApiToken, new.get("id"))
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return None
    return token


@router.post("/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, token_id: Id) -> Response:
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            token = revoke_token(session, user=user, token_id=token_id, now=utcnow())
    except DomainError as error:
        return refused(request, error)
    request.session["flash"] = (
        f"The token “{token.name}” ({token.prefix}…) is revoked: requests with it are refused "
        "from now on."
    )
    return RedirectResponse("/settings/tokens", status_code=303)


def _tokens_page(
    request: Request,
    session: Session,
    user: User,
    *,
    flash: str | None = None,
    name: str = "",
    error: str | None = None,
    created: ApiToken | None = None,
    secret: str | None = None,
) -> Response:
    context = {
        "user": user,
        "tokens": list_tokens(session, user=user),
        "flash": flash,
        "name": name,
        "error": error,
        "created": created,
        "secret": secret,
    }
    return render(request, "settings_tokens.html", context, status_code=422 if error else 200)


def refused(request: Request, error: DomainError) -> Response:
    """A refused change as a page of its own."""
    if isinstance(error, PermissionDenied):
        title = "Only the Primary Admin can do this"
    elif isinstance(error, NotFound):
        title = "Not found"
    else:
        title = "Not done"
    context = {"title": title, "message": f"{error.message} Nothing was changed."}
    return render(request, "error.html", context, status_code=error.status)
