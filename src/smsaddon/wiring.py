"""The one place the services are built from the settings: `build_services(settings)`.

`create_app` and the CLI both start from it, so a web process, a worker and a command use the
same payment provider, gateway, reviewer, number provider, rate limits and clock. Nothing
else reads the environment (that is `config.load_settings`), and nothing puts services on
`app.state` during a request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import billing, compliance
from smsaddon.catalog import Catalog, load_catalog
from smsaddon.config import Settings
from smsaddon.db import make_engine, session_factory, utcnow
from smsaddon.gateways import Capability, Gateway, make_gateway
from smsaddon.http.ratelimit import TokenBuckets

Clock = Callable[[], datetime]


class InjectsInbound(Protocol):
    """`Capability.INJECT_INBOUND`: a person's reply, handed to the gateway."""

    def inject(self, *, from_e164: str, body: str, at: datetime) -> None: ...


@dataclass
class Services:
    """Everything a request, a command or a worker step needs besides its own arguments."""

    settings: Settings
    catalog: Catalog
    engine: Engine
    sessions: sessionmaker[Session]
    payments: billing.PaymentProvider
    reviewer: compliance.Reviewer
    numbers: compliance.NumberProvider
    api_limits: TokenBuckets  # per token; per address for requests without one
    clock: Clock = utcnow
    make_gateway: Callable[[], Gateway] | None = None
    _gateway: Gateway | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def gateway(self) -> Gateway:
        """The gateway, connected on first use (a command that never sends never opens it)."""
        with self._lock:
            if self._gateway is None:
                build = self.make_gateway or (lambda: make_gateway(self.settings.gateway))
                self._gateway = build()
            return self._gateway

    @gateway.setter
    def gateway(self, gateway: Gateway) -> None:
        """Use this gateway (a test's simulator, say) instead of building one."""
        with self._lock:
            self._gateway = gateway

    def can(self, capability: Capability) -> bool:
        """Whether the configured gateway offers `capability` (asked without connecting)."""
        if self._gateway is not None:
            return capability in self._gateway.capabilities
        return capability in gateway_capabilities(self.settings)

    def injector(self) -> InjectsInbound | None:
        """The gateway as something a person's reply can be handed to, when it has
        `Capability.INJECT_INBOUND` (the simulator), else None."""
        if not self.can(Capability.INJECT_INBOUND):
            return None
        return cast(InjectsInbound, self.gateway)

    def close(self) -> None:
        with self._lock:
            if self._gateway is not None:
                self._gateway.close()
                self._gateway = None
        self.engine.dispose()


def gateway_capabilities(settings: Settings) -> frozenset[Capability]:
    """What the configured kind of gateway can do, known from its class."""
    if settings.gateway.kind == "smpp":
        from smsaddon.gateways.smpp import SmppGateway

        return SmppGateway.capabilities
    from smsaddon.gateways.simulator import Simulator

    return Simulator.capabilities


def build_services(settings: Settings, *, clock: Clock = utcnow) -> Services:
    engine = make_engine(settings.database_url)
    delay = settings.review_delay_seconds
    return Services(
        settings=settings,
        catalog=load_catalog(settings.catalog_path),
        engine=engine,
        sessions=session_factory(engine),
        payments=billing.payment_provider(settings),
        reviewer=compliance.SimulatedReviewer(
            delay=None if delay is None else timedelta(seconds=delay)
        ),
        numbers=compliance.SimulatedPool(),
        api_limits=TokenBuckets(rate=settings.api_rate, burst=settings.api_burst),
        clock=clock,
    )
