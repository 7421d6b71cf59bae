"""Typed access to what create_app keeps on app.state: the services (see wiring.py)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.billing import PaymentProvider
from smsaddon.catalog import Catalog
from smsaddon.config import Settings
from smsaddon.http.unit import services


def settings(request: Request) -> Settings:
    return services(request).settings


def catalog(request: Request) -> Catalog:
    return services(request).catalog


def sessions(request: Request) -> sessionmaker[Session]:
    return services(request).sessions


def payments(request: Request) -> PaymentProvider:
    return services(request).payments


__all__ = ["catalog", "payments", "services", "sessions", "settings"]
