"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from smsaddon.catalog import load_catalog
from smsaddon.config import Settings, load_settings
from smsaddon.db import make_engine, session_factory


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(title="smsaddon", version="0.1.0")
    app.state.settings = settings
    app.state.catalog = load_catalog(settings.catalog_path)
    app.state.engine = make_engine(settings.database_url)
    app.state.sessions = session_factory(app.state.engine)

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        return {"status": "ok", "catalog_version": app.state.catalog.version}

    return app
