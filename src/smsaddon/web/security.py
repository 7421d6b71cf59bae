"""Signed-in sessions and CSRF protection for the HTML pages.

The session lives in a signed cookie (Starlette's SessionMiddleware with settings.secret_key:
HttpOnly, SameSite=Lax). It holds the user's id, a fingerprint of their password hash (a new
password signs every other session out) and the CSRF token. Every form carries the token in a
hidden `csrf_token` field; every fetch sends it in the `X-CSRF-Token` header; any other POST is
refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from sqlalchemy.orm import Session

from smsaddon.accounts import User
from smsaddon.http import middleware

SESSION_COOKIE = "smsaddon_session"
SESSION_MAX_AGE = 12 * 60 * 60
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


def sign_in(request: Request, user: User) -> None:
    """A fresh session for `user` (a new CSRF token too: nothing carries over)."""
    request.session.clear()
    request.session["uid"] = user.id
    request.session["pw"] = _fingerprint(user)
    request.session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    request.session.clear()


def current_user(request: Request, session: Session) -> User | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    user = session.get(User, uid)
    if user is None or request.session.get("pw") != _fingerprint(user):
        request.session.clear()
        return None
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


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
