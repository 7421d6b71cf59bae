"""Gateways behind one seam: the simulator (the default) and SMPP."""

from __future__ import annotations

from smsaddon.config import GatewaySettings
from smsaddon.gateways.base import (
    Accepted,
    Capability,
    CarrierState,
    Collected,
    Gateway,
    GatewayUnavailable,
    Inbound,
    OnAccepted,
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
                window=settings.smpp_window,
                source_ton=settings.smpp_source_ton,
                source_npi=settings.smpp_source_npi,
                dest_ton=settings.smpp_dest_ton,
                dest_npi=settings.smpp_dest_npi,
            )
        )
    return Simulator(
        SimulatorConfig(
            seed=settings.simulator_seed,
            dlr_delay=settings.simulator_dlr_delay,
            reply_delay=settings.simulator_dlr_delay,
            store=settings.simulator_store,
            latency=settings.simulator_latency_ms / 1000,
            pause=settings.simulator_pause,
        )
    )


__all__ = [
    "Accepted",
    "Capability",
    "CarrierState",
    "Collected",
    "Gateway",
    "GatewayUnavailable",
    "Inbound",
    "OnAccepted",
    "Outbound",
    "Refused",
    "Simulator",
    "SimulatorConfig",
    "StatusReport",
    "SubmitResult",
    "make_gateway",
]
