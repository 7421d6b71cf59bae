"""The Typer app every command module registers on, and what they share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.catalog import Catalog, load_catalog
from smsaddon.config import Settings, load_settings
from smsaddon.db import make_engine, session_factory, transaction
from smsaddon.errors import ConfigError, DomainError

app = typer.Typer(no_args_is_help=True, help="smsaddon: the SMS add-on service.")
console = Console()
errors = Console(stderr=True)


@dataclass(frozen=True)
class Context:
    settings: Settings
    catalog: Catalog
    sessions: sessionmaker[Session]


@cache
def context() -> Context:
    """Settings, catalog and database, opened once per command."""
    with reported_errors():
        settings = load_settings()
        catalog = load_catalog(settings.catalog_path)
        return Context(settings, catalog, session_factory(make_engine(settings.database_url)))


@contextmanager
def reported_errors() -> Iterator[None]:
    """Domain and configuration errors end the command with their message and exit code 1."""
    try:
        yield
    except (DomainError, ConfigError) as exc:
        errors.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction, with domain errors reported."""
    with reported_errors(), transaction(context().sessions) as session:
        yield session
