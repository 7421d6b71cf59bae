"""`smsaddon serve`: the web app (and, later, an in-process worker) under uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from smsaddon.cli.app import app, context
from smsaddon.migrate import upgrade


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default SMSADDON_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default SMSADDON_PORT or 8000)."),
) -> None:
    """Apply migrations, then serve the web UI and API."""
    from smsaddon.web.app import create_app  # the web stack loads only for this command

    settings = context().settings
    upgrade(settings.database_url)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )
