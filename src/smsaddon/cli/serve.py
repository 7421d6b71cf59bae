"""`smsaddon serve`: the web app under uvicorn, with one worker in the same process."""

from __future__ import annotations

import threading
from datetime import timedelta

import typer
import uvicorn

from smsaddon.cli.app import app, context, fail, reported_errors
from smsaddon.cli.sending import LEASE
from smsaddon.config import INSECURE_DEV_KEY, Settings
from smsaddon.http.middleware import quiet_access_log
from smsaddon.migrate import upgrade
from smsaddon.worker import Worker


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default SMSADDON_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default SMSADDON_PORT or 8000)."),
    worker: bool = typer.Option(
        True, "--worker/--no-worker", help="Run a sending worker in this process (default: yes)."
    ),
    lease: int = LEASE,
) -> None:
    """Apply migrations, then serve the web UI and API, with a sending worker."""
    from smsaddon.web.app import create_app  # the web stack loads only for this command

    services = context()
    settings = services.settings
    _refuse_the_development_key(settings)
    upgrade(settings.database_url)
    web = create_app(services=services)
    stop = threading.Event()
    runner = None
    if worker:
        with reported_errors():
            gateway = services.gateway
        sender = Worker(
            services.sessions,
            gateway,
            lease=timedelta(seconds=lease),
            reviewer=services.reviewer,  # due registration reviews are applied here
            stop=stop,
        )
        runner = threading.Thread(target=sender.run, name="worker", daemon=True)
        runner.start()
    quiet_access_log()  # no query string (nor a token in one) in the access log
    try:
        uvicorn.run(
            web,
            host=host or settings.host,
            port=port or settings.port,
            log_level="info",
            server_header=False,
            proxy_headers=False,  # SMSADDON_TRUSTED_PROXIES only: see http/middleware.py
        )
    finally:
        stop.set()
        if runner is not None:
            runner.join(timeout=10)
        services.close()


def _refuse_the_development_key(settings: Settings) -> None:
    """Cookies signed with the shipped key can be forged by anyone: in production (secure
    cookies or PostgreSQL) the key must be set."""
    if settings.secret_key != INSECURE_DEV_KEY:
        return
    if settings.database_url.startswith("postgresql"):
        fail("SMSADDON_SECRET_KEY must be set when the database is PostgreSQL")
    if settings.cookie_secure:
        fail("SMSADDON_SECRET_KEY must be set when SMSADDON_COOKIE_SECURE is true")
