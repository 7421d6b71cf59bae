"""Signed-in sessions and CSRF protection for the HTML pages.

Who is signed in is kept on the server (`accounts.sessions`: a row per session, a fixed
lifetime from sign-in, ended by sign-out and by password changes). The signed cookie
(Starlette's SessionMiddleware with settings.secret_key: HttpOnly, SameSite=Lax) carries that
session's random token, the CSRF token and the next page's notice; never the user. Every form
carries the CSRF token in a hidden `csrf_token` field; every fetch sends it in the
`X-CSRF-Token` header; any other POST is refused with 403.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from sqlalchemy.orm import Session

from smsaddon.accounts import User, sessions
from smsaddon.config import Settings
from smsaddon.db import utcnow
from smsaddon.http import middleware

SESSION_COOKIE = "smsaddon_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NotSignedIn(Exception):
    """The request needs a signed-in user and has none."""


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def require_csrf(request: Request) -> None:
    """A router dependency: unsafe methods need the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not given or not hmac.compare_digest(expected, given):
        raise CsrfRejected


def sign_in(request: Request, session: Session, user: User) -> None:
    """A fresh session for `user` (a new CSRF token too: nothing carries over)."""
    settings: Settings = request.app.state.services.settings
    request.session.clear()
    request.session["sid"] = sessions.start(
        session, user=user, hours=settings.session_hours, now=utcnow()
    )
    request.session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request, session: Session) -> None:
    """End the session on the server (a copy of the cookie signs nobody in), then forget it."""
    token = session_token(request)
    if token is not None:
        sessions.end(session, token=token, now=utcnow())
    request.session.clear()


def session_token(request: Request) -> str | None:
    """The signed-in session's token (to keep it when the user changes their password)."""
    token = request.session.get("sid")
    return token if isinstance(token, str) else None


def current_user(request: Request, session: Session) -> User | None:
    token = session_token(request)
    if token is None:
        return None
    user = sessions.user_of(session, token=token, now=utcnow())
    if user is None:
        request.session.clear()
    return user


def signed_in_user(request: Request, session: Session) -> User:
    user = current_user(request, session)
    if user is None:
        raise NotSignedIn
    return user


def client_address(request: Request) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For counted: http/middleware.py)."""
    return middleware.client_address(request.scope)


def is_fetch(request: Request) -> bool:
    """A request from the page's own script, which expects an HTML fragment back."""
    return request.headers.get("x-requested-with") == "fetch"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"
