"""`smsaddon tokens create / list / revoke`: personal API tokens."""

from __future__ import annotations

import typer
from rich.table import Table

from smsaddon.accounts import user_by_email
from smsaddon.accounts.tokens import create_token, list_tokens, revoke_token
from smsaddon.cli.app import app, console, unit_of_work
from smsaddon.db import utcnow

tokens_app = typer.Typer(no_args_is_help=True, help="Personal API tokens (Authorization: Bearer).")
app.add_typer(tokens_app, name="tokens")

EMAIL = typer.Option(..., "--email", help="The user the token acts as (their permissions apply).")


@tokens_app.command("create")
def create(
    email: str = EMAIL,
    name: str = typer.Option("API token", "--name", help="What the token is for."),
) -> None:
    """Create a token and print it: it is shown this once, then only its prefix."""
    with unit_of_work() as session:
        token, secret = create_token(
            session, user=user_by_email(session, email), name=name, now=utcnow()
        )
    console.print(
        f"token {token.id} ({token.prefix}...) created for {email}; "
        "copy it now, it is not shown again:",
        highlight=False,
    )
    typer.echo(secret)


@tokens_app.command("list")
def list_(email: str = EMAIL) -> None:
    """The user's tokens (prefixes only), revoked ones included."""
    with unit_of_work() as session:
        rows = list_tokens(session, user=user_by_email(session, email))
    table = Table("id", "prefix", "name", "created", "revoked")
    for token in rows:
        table.add_row(
            str(token.id),
            f"{token.prefix}...",
            token.name,
            f"{token.created_at:%Y-%m-%d %H:%M} UTC",
            f"{token.revoked_at:%Y-%m-%d %H:%M} UTC" if token.revoked_at else "",
        )
    console.print(table)


@tokens_app.command("revoke")
def revoke(
    email: str = EMAIL,
    prefix: str = typer.Option(None, "--prefix", help="The token's prefix, as listed."),
    token_id: int = typer.Option(None, "--id", help="The token's id, as listed."),
) -> None:
    """Revoke a token at once: requests with it are refused with 401 from now on."""
    with unit_of_work() as session:
        token = revoke_token(
            session,
            user=user_by_email(session, email),
            now=utcnow(),
            token_id=token_id,
            prefix=prefix.removesuffix("...") if prefix else None,
        )
    console.print(f"token {token.id} ({token.prefix}...) revoked", highlight=False)
