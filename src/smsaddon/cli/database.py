"""`smsaddon db upgrade`: apply the Alembic migrations to the configured database."""

from __future__ import annotations

import typer

from smsaddon.cli.app import app, console, context
from smsaddon.migrate import upgrade

db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration not yet applied (safe to run again)."""
    url = context().settings.database_url
    upgrade(url)
    console.print(f"database at {url.split('@')[-1]} is up to date")
