"""Settings from the environment, validated once, with errors that name the bad setting."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path

from smsaddon.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///smsaddon.db"
DEFAULT_CATALOG = Path(__file__).parent / "catalog" / "data" / "catalog-2026-11.json"
INSECURE_DEV_KEY = "dev-only-insecure-secret-key-change-me"
DEFAULT_CARRIER_STORE = Path("smsaddon-carrier.db")


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    catalog_path: Path
    quote_ttl_seconds: int
    host: str
    port: int
    payment_provider: str
    cookie_secure: bool
    gateway: GatewaySettings = field(default_factory=lambda: GatewaySettings())
    review_delay_seconds: int | None = None  # the simulated 10DLC reviewer's delay; None: never
    api_rate: float = 20.0  # API requests a second per token (and per address without one)
    api_burst: int = 40  # API requests at once per token (and per address without one)
    max_body_bytes: int = 10 * 1024 * 1024  # a larger request body is refused (413)
    trusted_proxies: frozenset[str] = frozenset()  # addresses whose X-Forwarded-For is believed
    session_hours: int = 12  # a web session ends this long after sign-in, whatever happens
    import_max_rows: int = 100_000  # rows one contact import may have


@dataclass(frozen=True)
class GatewaySettings:
    """SMSADDON_GATEWAY=simulator (default) or smpp, and each one's settings."""

    kind: str = "simulator"
    simulator_seed: int = 0
    simulator_dlr_delay: int = 2  # seconds
    simulator_store: Path = DEFAULT_CARRIER_STORE  # the carrier's memory, shared by processes
    simulator_latency_ms: int = 0
    simulator_pause: Path | None = None  # a test hook: see gateways/simulator.py
    smpp_host: str = ""
    smpp_port: int = 2775
    smpp_system_id: str = ""
    smpp_password: str = ""
    smpp_source_addr: str = ""
    smpp_tps: int = 50  # submit_sm per second per connection
    smpp_window: int = 10  # submit_sm outstanding (sent, not answered) at most
    smpp_source_ton: int | None = None  # None: from the address (see gateways/smpp.py)
    smpp_source_npi: int | None = None
    smpp_dest_ton: int = 1  # international
    smpp_dest_npi: int = 1  # ISDN (E.164)


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _optional_int(env: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    return None if not env.get(name) else _int(env, name, 0, low, high)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    url = env.get("SMSADDON_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
        raise ConfigError(
            "SMSADDON_DATABASE_URL must start with sqlite:// or postgresql://, "
            f"got {url.split('://')[0]!r}"
        )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    secret = env.get("SMSADDON_SECRET_KEY") or INSECURE_DEV_KEY
    if len(secret) < 16:
        raise ConfigError("SMSADDON_SECRET_KEY must be at least 16 characters long")
    catalog = Path(env.get("SMSADDON_CATALOG") or DEFAULT_CATALOG)
    if not catalog.is_file():
        raise ConfigError(f"SMSADDON_CATALOG points to {str(catalog)!r}, which is not a file")
    provider = env.get("SMSADDON_PAYMENT_PROVIDER") or "account"
    if provider not in ("account", "declining"):
        raise ConfigError(
            f"SMSADDON_PAYMENT_PROVIDER must be 'account' or 'declining', got {provider!r}"
        )
    return Settings(
        database_url=url,
        secret_key=secret,
        catalog_path=catalog,
        quote_ttl_seconds=_int(env, "SMSADDON_QUOTE_TTL_SECONDS", 1800, 10, 86400),
        host=env.get("SMSADDON_HOST") or "127.0.0.1",
        port=_int(env, "SMSADDON_PORT", 8000, 1, 65535),
        payment_provider=provider,
        cookie_secure=_flag(env, "SMSADDON_COOKIE_SECURE", default=url.startswith("postgresql")),
        gateway=_gateway(env),
        review_delay_seconds=_optional_int(env, "SMSADDON_REVIEW_DELAY_SECONDS", 0, 30 * 86400),
        api_rate=_number(env, "SMSADDON_API_RATE", 20, 0.01, 1_000_000),
        api_burst=_int(env, "SMSADDON_API_BURST", 40, 1, 1_000_000),
        max_body_bytes=_int(env, "SMSADDON_MAX_BODY_BYTES", 10 * 1024 * 1024, 1024, 2**31),
        trusted_proxies=_addresses(env, "SMSADDON_TRUSTED_PROXIES"),
        session_hours=_int(env, "SMSADDON_SESSION_HOURS", 12, 1, 24 * 30),
        import_max_rows=_int(env, "SMSADDON_IMPORT_MAX_ROWS", 100_000, 1, 10_000_000),
    )


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name) or ""
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {value:g}")
    return value


def _addresses(env: Mapping[str, str], name: str) -> frozenset[str]:
    """A comma-separated list of IP addresses (no ranges), each checked."""
    found = set()
    for part in (env.get(name) or "").split(","):
        if not part.strip():
            continue
        try:
            found.add(str(ip_address(part.strip())))
        except ValueError:
            raise ConfigError(
                f"{name} lists {part.strip()!r}, which is not an IP address"
            ) from None
    return frozenset(found)


def _gateway(env: Mapping[str, str]) -> GatewaySettings:
    kind = env.get("SMSADDON_GATEWAY") or "simulator"
    if kind not in ("simulator", "smpp"):
        raise ConfigError(f"SMSADDON_GATEWAY must be 'simulator' or 'smpp', got {kind!r}")
    pause = env.get("SMSADDON_SIMULATOR_PAUSE")
    settings = GatewaySettings(
        kind=kind,
        simulator_seed=_int(env, "SMSADDON_SIMULATOR_SEED", 0, 0, 2**31),
        simulator_dlr_delay=_int(env, "SMSADDON_SIMULATOR_DLR_DELAY", 2, 0, 86400),
        simulator_store=Path(env.get("SMSADDON_SIMULATOR_STORE") or DEFAULT_CARRIER_STORE),
        simulator_pause=Path(pause) if pause else None,
        simulator_latency_ms=_int(env, "SMSADDON_SIMULATOR_LATENCY_MS", 0, 0, 60000),
        smpp_host=env.get("SMSADDON_SMPP_HOST") or "",
        smpp_port=_int(env, "SMSADDON_SMPP_PORT", 2775, 1, 65535),
        smpp_system_id=env.get("SMSADDON_SMPP_SYSTEM_ID") or "",
        smpp_password=env.get("SMSADDON_SMPP_PASSWORD") or "",
        smpp_source_addr=env.get("SMSADDON_SMPP_SOURCE_ADDR") or "",
        smpp_tps=_int(env, "SMSADDON_SMPP_TPS", 50, 1, 10000),
        smpp_window=_int(env, "SMSADDON_SMPP_WINDOW", 10, 1, 1000),
        smpp_source_ton=_optional_int(env, "SMSADDON_SMPP_SOURCE_TON", 0, 6),
        smpp_source_npi=_optional_int(env, "SMSADDON_SMPP_SOURCE_NPI", 0, 18),
        smpp_dest_ton=_int(env, "SMSADDON_SMPP_DEST_TON", 1, 0, 6),
        smpp_dest_npi=_int(env, "SMSADDON_SMPP_DEST_NPI", 1, 0, 18),
    )
    if kind == "smpp":
        for name, value in (
            ("SMSADDON_SMPP_HOST", settings.smpp_host),
            ("SMSADDON_SMPP_SYSTEM_ID", settings.smpp_system_id),
        ):
            if not value:
                raise ConfigError(f"{name} must be set when SMSADDON_GATEWAY is smpp")
        if len(settings.smpp_system_id) > 15 or len(settings.smpp_password) > 8:
            raise ConfigError(
                "SMSADDON_SMPP_SYSTEM_ID has at most 15 characters and "
                "SMSADDON_SMPP_PASSWORD at most 8 (SMPP 3.4)"
            )
    return settings


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = (env.get(name) or str(default)).strip().lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"{name} must be true or false, got {raw!r}")
    return raw in ("true", "1", "yes")
