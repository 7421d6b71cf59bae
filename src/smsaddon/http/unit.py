"""The request's unit of work: one dependency per surface opens the transaction, resolves the
caller, and ends the transaction after the handler returns and before the response is sent.

A handler takes one parameter and holds only its own logic:

    @router.post("/contacts/{contact_id}/delete")
    def delete_contact(unit: PageWrite, contact_id: int) -> Response:
        contacts.delete(unit.session, actor=unit.user, contact_id=contact_id, now=unit.now)
        unit.flash("The contact is deleted.")
        return unit.redirect("/contacts")

- `PageWrite` / `ApiWrite`: a writing transaction (on SQLite: the writer lock and
  `BEGIN IMMEDIATE`). `PageRead` / `ApiRead`: a read-only one, for GETs: it takes no lock, and a
  write in it fails (SQLite `query_only`, PostgreSQL `READ ONLY`).
- The caller: the signed-in user (pages, `web.security.signed_in_user`, lent through `Pages`:
  else the sign-in page)
  or the bearer token's user (API, `accounts.tokens`: else 401).
- The end: it commits when the handler returns a response and rolls back when it raises. A
  `DomainError` raised out of a handler becomes problem details on the API, and on a page a
  modal error (fetch) or the error page (`web.app.page_problem`). A page that wants another
  answer catches the error and returns `unit.refused(error, back="/contacts")`, which rolls
  back first (a refused step never leaves half of its writes behind).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

from fastapi import Depends, Header, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from smsaddon.accounts import User
from smsaddon.accounts.tokens import authenticate_token, hash_token
from smsaddon.db import transaction
from smsaddon.errors import DomainError
from smsaddon.http.middleware import client_address
from smsaddon.http.problems import RateLimited, Unauthorized

if TYPE_CHECKING:
    from smsaddon.wiring import Services


def services(request: Request) -> Services:
    """The services `create_app` built (see wiring.py)."""
    return cast("Services", request.app.state.services)


# The API's caller -----------------------------------------------------------------------------

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A personal API token: `Authorization: Bearer sms_...`. Create one on the "
    "API tokens page or with `smsaddon tokens create --email ...`. It acts with "
    "its user's permissions.",
)


def bearer_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The request's token (not yet checked), within its rate limit; a request without one
    counts against its address's limit, then is refused."""
    if credentials is None or not credentials.credentials:
        _take(request, "address:" + client_address(request.scope))
        raise Unauthorized("A valid API token is required: send Authorization: Bearer <token>.")
    token = credentials.credentials
    _take(request, hash_token(token))
    return token


def _take(request: Request, key: str) -> None:
    wait = services(request).api_limits.take(key, time.monotonic())
    if wait:
        raise RateLimited(wait)


def authenticated(request: Request, session: Session, token: str) -> User:
    """The user the token acts as, in the request's transaction. A wrong token counts against
    its address's limit, like a request without one."""
    user = authenticate_token(session, token)
    if user is None:
        _take(request, "address:" + client_address(request.scope))
        raise Unauthorized("This API token is not valid: it is unknown or was revoked.")
    return user


Token = Annotated[str, Depends(bearer_token)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[!-~]+$",
        description="Any unique string (a UUID is good), printable ASCII without spaces. A "
        "retry with the same key and the same request gets the first response "
        "again, and changes nothing more; the same key with another request is "
        "refused (422 `idempotency_key_reused`). Keys are kept at least 24 hours.",
    ),
]


# The units ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiUnit:
    """An API request's open transaction, its caller, its time and the services."""

    session: Session
    user: User
    now: datetime
    services: Services
    request: Request


@dataclass(frozen=True)
class Pages:
    """What the pages lend their unit of work; `web/app.py` sets it on `app.state.pages` when
    it builds the app (http/ sits below web/ and imports none of it)."""

    signed_in_user: Callable[[Request, Session], User]  # or raise: the sign-in page follows
    render: Callable[..., Response]  # (request, template, context, status_code=...)
    problem: Callable[[Request, DomainError], Response]  # a modal error or the error page
    is_fetch: Callable[[Request], bool]  # asked by the page's own script


def pages(request: Request) -> Pages:
    return cast(Pages, request.app.state.pages)


@dataclass(frozen=True)
class PageUnit:
    """A page request's open transaction, the signed-in user, the time, the services, and the
    helpers a page answers with."""

    session: Session
    user: User
    now: datetime
    services: Services
    request: Request

    def render(
        self, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
    ) -> Response:
        """The template with the user, their time zone and the CSRF token in its context."""
        values = {"user": self.user, **(context or {})}
        return pages(self.request).render(self.request, template, values, status_code=status_code)

    def flash(self, text: str, kind: str = "ok") -> None:
        """A note for the next page shown (`kind`: "ok" or "error")."""
        self.request.session["flash"] = {"text": text, "kind": kind}

    def redirect(self, path: str) -> Response:
        """After a form: see the page at `path` (303)."""
        return RedirectResponse(path, status_code=303)

    def refused(self, error: DomainError, *, back: str | None = None) -> Response:
        """Roll back what this request wrote, then say why: a modal error to the page's own
        script, else back to `back` with the error as a note, else the error page."""
        self.session.rollback()
        surface = pages(self.request)
        if back is not None and not surface.is_fetch(self.request):
            self.flash(error.message, "error")
            return self.redirect(back)
        return surface.problem(self.request, error)


def _api_unit(readonly: bool) -> Callable[..., Iterator[ApiUnit]]:
    def unit(request: Request, token: Token) -> Iterator[ApiUnit]:
        found = services(request)
        with transaction(found.sessions, readonly=readonly, holder=object()) as session:
            user = authenticated(request, session, token)
            yield ApiUnit(session, user, found.clock(), found, request)

    return unit


def _page_unit(readonly: bool) -> Callable[..., Iterator[PageUnit]]:
    def unit(request: Request) -> Iterator[PageUnit]:
        found = services(request)
        with transaction(found.sessions, readonly=readonly, holder=object()) as session:
            user = pages(request).signed_in_user(request, session)
            yield PageUnit(session, user, found.clock(), found, request)

    return unit


# scope="function": the dependency ends when the handler has returned its response (already
# serialized), before the response is sent, so a client never sees what was not committed.
ApiWrite = Annotated[ApiUnit, Depends(_api_unit(readonly=False), scope="function")]
ApiRead = Annotated[ApiUnit, Depends(_api_unit(readonly=True), scope="function")]
PageWrite = Annotated[PageUnit, Depends(_page_unit(readonly=False), scope="function")]
PageRead = Annotated[PageUnit, Depends(_page_unit(readonly=True), scope="function")]
