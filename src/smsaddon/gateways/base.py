"""The gateway seam: submit a batch, collect status reports and inbound messages, then
acknowledge what was collected once it is committed.

`submit` answers one result per message, in order: Accepted (the carrier took it; its ids,
one per part) or Refused (with whether trying again later may work). A gateway that cannot
be reached at all raises GatewayUnavailable. No gateway is trusted to remember a submission:
a message is submitted at most once, and an interrupted submission is never repeated.

`collect` hands out reports and inbound messages that stay with the gateway until `ack`ed;
the caller acknowledges them only after its transaction committed, so nothing received is
lost when that transaction fails (the gateway hands them out again). What a gateway can do
beyond this is asked through `capabilities`. Calls have timeouts and are never made inside
a database transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol


class GatewayUnavailable(Exception):
    """The gateway cannot be reached now; nothing was submitted. `retry_after`: seconds until
    it is worth trying again."""

    def __init__(self, reason: str, *, retry_after: float = 5.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after

    def refusal(self, key: str) -> Refused:
        return Refused(key, self.reason, retryable=True, retry_after=self.retry_after)


class Capability(StrEnum):
    INJECT_INBOUND = "inject_inbound"  # `inject(from_e164=, body=, at=)`: a person replies
    # `query(gateway_ids, now=)`: the carrier's state of each id (`CarrierState`); and
    # `submit(..., accepted=)` tells the messages accepted while the batch is still going.
    QUERY_STATUS = "query_status"


@dataclass(frozen=True, slots=True)
class Outbound:
    key: str  # the message's own reference: "m<id>"
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
    # Set when nothing was tried (the gateway was unavailable): wait this many seconds, and
    # the attempt does not count.
    retry_after: float | None = None


SubmitResult = Accepted | Refused
ReportStatus = Literal["delivered", "undelivered"]
# What a carrier says of an id it gave: it has the message (en route, accepted), its final
# state, or it does not know the id.
CarrierState = Literal["with_carrier", "delivered", "undelivered", "unknown"]
OnAccepted = Callable[[Sequence[Accepted]], None]


@dataclass(frozen=True, slots=True)
class StatusReport:
    gateway_id: str
    status: ReportStatus
    at: datetime
    error: str | None = None
    receipt: str = ""  # what `ack` needs to acknowledge it to the gateway


@dataclass(frozen=True, slots=True)
class Inbound:
    gateway_id: str
    from_e164: str
    to: str
    body: str
    at: datetime
    receipt: str = ""


@dataclass(frozen=True, slots=True)
class Collected:
    reports: list[StatusReport] = field(default_factory=list)
    inbound: list[Inbound] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.reports) + len(self.inbound)

    def receipts(self) -> list[str]:
        return [r.receipt for r in self.reports] + [m.receipt for m in self.inbound]


class Gateway(Protocol):
    capabilities: frozenset[Capability]

    def submit(
        self, batch: Sequence[Outbound], *, now: datetime, accepted: OnAccepted | None = None
    ) -> list[SubmitResult]: ...

    def collect(self, *, now: datetime) -> Collected: ...

    def ack(self, receipts: Sequence[str], *, now: datetime) -> None: ...

    def close(self) -> None: ...


class Queryable(Protocol):
    """What a gateway with `Capability.QUERY_STATUS` also does: the carrier's state of each
    id it gave (GatewayUnavailable when it cannot be asked now)."""

    def query(self, gateway_ids: Sequence[str], *, now: datetime) -> dict[str, CarrierState]: ...
