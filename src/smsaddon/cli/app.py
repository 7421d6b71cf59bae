"""The Typer app every command module registers on, and what they share.

Every domain error ends a command with `error: ...` on stderr and exit code 1; a usage error
(a missing or unknown option, a bad value) with `error: ...`, a one-line hint and exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy.orm import Session

from smsaddon.config import load_settings
from smsaddon.db import transaction
from smsaddon.errors import ConfigError, DomainError
from smsaddon.wiring import Services, build_services

app = typer.Typer(no_args_is_help=True, help="smsaddon: the SMS add-on service.")
console = Console(emoji=False, highlight=False)
errors = Console(stderr=True, emoji=False, highlight=False)


@cache
def context() -> Services:
    """The services (settings, catalog, database, gateway, reviewer, ...), built once per
    command the way the web app builds them (see wiring.py)."""
    with reported_errors():
        return build_services(load_settings())


@contextmanager
def reported_errors() -> Iterator[None]:
    """Domain and configuration errors end the command with their message and exit code 1."""
    try:
        yield
    except (DomainError, ConfigError) as exc:
        fail(str(exc))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` on stderr and end the command with `code`."""
    errors.print(Text("error:", style="red"), Text(message), soft_wrap=True)
    raise typer.Exit(code)


def run(args: list[str] | None = None) -> int:
    """Run the command line; the exit code. Usage errors get one line and a hint."""
    try:
        code = app(args=args, prog_name="smsaddon", standalone_mode=False)
    except typer.TyperException as exc:  # Typer's usage errors (exit code 2) and the like
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help is printed already
            return exc.exit_code
        errors.print(Text("error:", style="red"), Text(exc.format_message()), soft_wrap=True)
        if exc.exit_code == 2:
            errors.print(Text(_hint(exc)), soft_wrap=True)
        return exc.exit_code
    except typer.Abort:
        errors.print(Text("error:", style="red"), Text("aborted"), soft_wrap=True)
        return 1
    return code if isinstance(code, int) else 0


def _hint(exc: typer.TyperException) -> str:
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx else "smsaddon"
    if "unexpected extra argument" in exc.format_message():
        return f'Put quotes around values with spaces (--account "Demo Co"). See {command} --help.'
    return f"See {command} --help."


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction, with domain errors reported."""
    with reported_errors(), transaction(context().sessions) as session:
        yield session
