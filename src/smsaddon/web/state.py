"""Typed access to what create_app keeps on app.state."""

from __future__ import annotations

from typing import cast

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.billing import PaymentProvider
from smsaddon.catalog import Catalog
from smsaddon.config import Settings


def settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def catalog(request: Request) -> Catalog:
    return cast(Catalog, request.app.state.catalog)


def sessions(request: Request) -> sessionmaker[Session]:
    return cast(sessionmaker[Session], request.app.state.sessions)


def payments(request: Request) -> PaymentProvider:
    return cast(PaymentProvider, request.app.state.payments)
