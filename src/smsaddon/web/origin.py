"""The audit log's "from where" for web requests: the client's address, for the whole request."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from smsaddon.audit import origin_scope
from smsaddon.http.middleware import client_address


class AuditOrigin:
    """ASGI middleware: what the request records in the audit log comes from its client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with origin_scope(client_address(scope)):
            await self.app(scope, receive, send)
