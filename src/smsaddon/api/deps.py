"""What every API request needs: the app's state, the bearer token (rate limited) and the
user it authenticates."""

from __future__ import annotations

import time
from typing import Annotated, cast

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.accounts import User
from smsaddon.accounts.tokens import authenticate_token, hash_token
from smsaddon.api.problems import RateLimited, Unauthorized
from smsaddon.api.ratelimit import TokenBuckets
from smsaddon.catalog import Catalog
from smsaddon.config import Settings

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A personal API token: `Authorization: Bearer sms_...`. Create one on the "
    "API tokens page or with `smsaddon tokens create --email ...`. It acts with "
    "its user's permissions.",
)


def settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def catalog(request: Request) -> Catalog:
    return cast(Catalog, request.app.state.catalog)


def sessions(request: Request) -> sessionmaker[Session]:
    return cast(sessionmaker[Session], request.app.state.sessions)


def rate_limits(request: Request) -> TokenBuckets:
    return cast(TokenBuckets, request.app.state.api_rate_limits)


def bearer_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The request's token, if it has one and is within its rate limit (not yet checked)."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("A valid API token is required: send Authorization: Bearer <token>.")
    token = credentials.credentials
    wait = rate_limits(request).take(hash_token(token), time.monotonic())
    if wait:
        raise RateLimited(wait)
    return token


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


def authenticated(session: Session, token: str) -> User:
    """The user the token acts as, in the request's transaction."""
    user = authenticate_token(session, token)
    if user is None:
        raise Unauthorized("This API token is not valid: it is unknown or was revoked.")
    return user
