"""The gateway seam: submit a batch, then collect status reports and inbound messages.

`submit` answers one result per message, in order: Accepted (the carrier took it; its ids,
one per part) or Refused (with whether trying again later may work). A gateway that cannot
be reached at all raises GatewayUnavailable. An `idempotent` gateway recognizes a message
submitted again under the same key and answers the first result without sending it twice;
with any other, a message whose submission outcome is unknown is never submitted again.
Calls have timeouts and are never made inside a database transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol


class GatewayUnavailable(Exception):
    """The gateway cannot be reached now; nothing was submitted."""


@dataclass(frozen=True, slots=True)
class Outbound:
    key: str  # the message's idempotency key: "m<id>"
    to: str  # E.164
    body: str


@dataclass(frozen=True, slots=True)
class Accepted:
    key: str
    gateway_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Refused:
    key: str
    reason: str
    retryable: bool


SubmitResult = Accepted | Refused


@dataclass(frozen=True, slots=True)
class StatusReport:
    gateway_id: str
    status: Literal["delivered", "undelivered"]
    at: datetime
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    gateway_id: str
    from_e164: str
    to: str
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Collected:
    reports: list[StatusReport]
    inbound: list[Inbound]


class Gateway(Protocol):
    idempotent: bool

    def submit(self, batch: Sequence[Outbound], *, now: datetime) -> list[SubmitResult]: ...

    def collect(self, *, now: datetime) -> Collected: ...

    def close(self) -> None: ...
