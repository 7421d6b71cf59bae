"""What the API's handlers share: the app's state and the caller (see http/unit.py)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.catalog import Catalog
from smsaddon.config import Settings
from smsaddon.http.unit import IdempotencyKey, Token, services


def settings(request: Request) -> Settings:
    return services(request).settings


def catalog(request: Request) -> Catalog:
    return services(request).catalog


def sessions(request: Request) -> sessionmaker[Session]:
    return services(request).sessions


__all__ = ["IdempotencyKey", "Token", "catalog", "sessions", "settings"]
