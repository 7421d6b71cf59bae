"""The ASGI edges every request passes, outermost first (see `install_middleware`):

- `ClientAddress`: the client's address, taken from X-Forwarded-For only when the peer is a
  trusted proxy (`SMSADDON_TRUSTED_PROXIES`, none by default). `client_address(scope)` is the
  one function the audit origin, the throttles and the rate limits read it from.
- `BodyLimit`: a request body larger than `SMSADDON_MAX_BODY_BYTES` (10 MB) is refused with
  413 problem details before anything reads it: by its Content-Length, and by counting the
  bytes as they arrive when there is none (or it lies).
- `SecurityHeaders`: every response (API JSON, /docs, /openapi.json, redirects, static files,
  error pages) gets the security headers, HSTS when cookies are secure, and no `server`.

`AccessLogWithoutQueries` keeps query strings (and the tokens they may carry) out of uvicorn's
access log; `serve` installs it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from ipaddress import ip_address

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smsaddon.config import Settings
from smsaddon.http.problems import PROBLEM_TYPE, problem_type, title_of

SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Swagger UI sets inline styles; its scripts still come from this site only.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
UNKNOWN = "unknown"


def client_address(scope: Scope) -> str:
    """The request's client address, as `ClientAddress` resolved it."""
    client = scope.get("client")
    return str(client[0]) if client else UNKNOWN


class ClientAddress:
    """Believe X-Forwarded-For only from a trusted proxy: the client is the right-most address
    that is not one of them (each proxy appends the address it saw). A malformed chain is not
    believed at all."""

    def __init__(self, app: ASGIApp, trusted: Iterable[str]) -> None:
        self.app = app
        self.trusted = frozenset(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and client_address(scope) in self.trusted:
            hops = _forwarded_for(scope)
            client = next((hop for hop in reversed(hops) if hop not in self.trusted), None)
            if client is not None:
                scope = {**scope, "client": (client, 0)}
        await self.app(scope, receive, send)


def _forwarded_for(scope: Scope) -> list[str]:
    values = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
    hops = []
    for part in ",".join(values).split(","):
        try:
            hops.append(str(ip_address(part.strip())))
        except ValueError:
            return []
    return hops


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, send)
            return
        received = 0
        refused = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit and not refused:
                    refused = True
                    if not started:
                        await self._refuse(scope, send)
                    return {"type": "http.disconnect"}  # the app stops reading here
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is the answer
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, guarded_send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = {
            "type": problem_type("payload_too_large"),
            "title": title_of("payload_too_large"),
            "status": 413,
            "detail": f"The request body is larger than {self.limit} bytes.",
            "code": "payload_too_large",
            "instance": scope.get("path", ""),
            "limit": self.limit,
        }
        payload = json.dumps(body).encode()
        headers = [
            (b"content-type", PROBLEM_TYPE.encode()),
            (b"content-length", str(len(payload)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = dict(SECURITY_HEADERS)
        if scope.get("path", "").startswith("/docs"):
            wanted["Content-Security-Policy"] = DOCS_CSP
        if self.hsts:
            wanted["Strict-Transport-Security"] = HSTS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                for name, value in wanted.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def edges(app: ASGIApp, settings: Settings) -> ASGIApp:
    """`app` behind the edges, outermost first: the security headers (on every response,
    the server's own errors included), the body limit, the client's address."""
    inner = ClientAddress(app, settings.trusted_proxies)
    return SecurityHeaders(BodyLimit(inner, settings.max_body_bytes), hsts=settings.cookie_secure)


class AccessLogWithoutQueries(logging.Filter):
    """uvicorn's access log, with the path only: query strings (and any token in one) stay out."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def quiet_access_log() -> None:
    """Install `AccessLogWithoutQueries` on uvicorn's access logger (once)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogWithoutQueries) for f in logger.filters):
        logger.addFilter(AccessLogWithoutQueries())
