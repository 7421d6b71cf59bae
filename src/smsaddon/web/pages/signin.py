"""Sign in and sign out."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from smsaddon.accounts import authenticate, throttle
from smsaddon.db import read_only, transaction, utcnow
from smsaddon.web import state
from smsaddon.web.rendering import render
from smsaddon.web.security import (
    client_address,
    current_user,
    safe_next,
    sign_in,
    sign_out,
)

router = APIRouter()

WRONG_CREDENTIALS = "The email or password is incorrect. Check both and try again."


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str | None = None) -> Response:
    with read_only(state.sessions(request)) as session:
        if current_user(request, session) is not None:
            return RedirectResponse(safe_next(next), status_code=303)
    notice = "You are signed out." if request.query_params.get("signed_out") else None
    return render(request, "signin.html", {"next": safe_next(next), "notice": notice})


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    now = utcnow()
    with transaction(state.sessions(request)) as session:  # counted before the password
        retry_at = throttle.count_attempt(
            session, email=email, address=client_address(request), now=now
        )
    if retry_at is not None:
        minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
        wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
        message = f"Too many failed sign-in attempts. Wait {wait}, then try again."
        seconds = str(max(1, math.ceil((retry_at - now).total_seconds())))
        return _form_again(request, email, next, message, 429, {"Retry-After": seconds})
    with transaction(state.sessions(request)) as session:
        user = authenticate(session, email=email, password=password) if email else None
        if user is not None:
            throttle.succeeded(session, email=email)
            sign_in(request, session, user)
    if user is None:
        return _form_again(request, email, next, WRONG_CREDENTIALS, 400)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/signout")
def signout(request: Request) -> Response:
    with transaction(state.sessions(request)) as session:
        sign_out(request, session)
    return RedirectResponse("/signin?signed_out=1", status_code=303)


def _form_again(
    request: Request,
    email: str,
    next: str,
    error: str,
    status_code: int,
    headers: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "signin.html",
        {"email": email, "next": safe_next(next), "error": error},
        status_code=status_code,
        headers=headers,
    )
