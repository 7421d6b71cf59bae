"""Gateways behind one seam: the simulator (the default) and SMPP."""

from __future__ import annotations

from smsaddon.config import GatewaySettings
from smsaddon.gateways.base import (
    Accepted,
    Collected,
    Gateway,
    GatewayUnavailable,
    Inbound,
    Outbound,
    Refused,
    StatusReport,
    SubmitResult,
)
from smsaddon.gateways.simulator import Simulator, SimulatorConfig


def make_gateway(settings: GatewaySettings) -> Gateway:
    """The gateway the settings name."""
    if settings.kind == "smpp":
        from smsaddon.gateways.smpp import SmppConfig, SmppGateway

        return SmppGateway(
            SmppConfig(
                host=settings.smpp_host,
                port=settings.smpp_port,
                system_id=settings.smpp_system_id,
                password=settings.smpp_password,
                source_addr=settings.smpp_source_addr,
                tps=settings.smpp_tps,
            )
        )
    return Simulator(
        SimulatorConfig(
            seed=settings.simulator_seed,
            dlr_delay=settings.simulator_dlr_delay,
            reply_delay=settings.simulator_dlr_delay,
            journal=settings.simulator_journal,
            latency=settings.simulator_latency_ms / 1000,
        )
    )


__all__ = [
    "Accepted",
    "Collected",
    "Gateway",
    "GatewayUnavailable",
    "Inbound",
    "Outbound",
    "Refused",
    "Simulator",
    "SimulatorConfig",
    "StatusReport",
    "SubmitResult",
    "make_gateway",
]
