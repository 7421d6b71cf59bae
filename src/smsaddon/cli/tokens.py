"""`smsaddon tokens create / list / revoke`: personal API tokens."""

from __future__ import annotations

import typer

from smsaddon.accounts import user_by_email
from smsaddon.accounts.tokens import create_token, list_tokens, revoke_token
from smsaddon.cli.app import app, console, unit_of_work
from smsaddon.cli.output import Column, emit_json_lines, safe, table
from smsaddon.db import utcnow
from smsaddon.formatting import short_moment

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
        f"token {token.id} ({token.prefix}...) created for {safe(email)}; "
        "copy it now, it is not shown again:"
    )
    typer.echo(secret)


@tokens_app.command("list")
def list_(
    email: str = EMAIL,
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table (UTC)."),
) -> None:
    """The user's tokens (prefixes only), revoked ones included."""
    with unit_of_work() as session:
        user = user_by_email(session, email)
        zone = user.account.time_zone
        rows = list_tokens(session, user=user)
    if as_json:
        emit_json_lines(
            {
                "id": t.id,
                "prefix": t.prefix,
                "name": t.name,
                "created_at": t.created_at,
                "revoked_at": t.revoked_at,
            }
            for t in rows
        )
        return
    columns = [Column("id"), Column("prefix"), Column("name"), Column("created", drop=2)]
    columns.append(Column("revoked", drop=1))
    cells = (
        (
            t.id,
            f"{t.prefix}...",
            t.name,
            short_moment(t.created_at, zone),
            short_moment(t.revoked_at, zone) if t.revoked_at else "",
        )
        for t in rows
    )
    console.print(table(columns, cells, title=f"API tokens of {email}"))


@tokens_app.command("revoke")
def revoke(
    email: str = EMAIL,
    prefix: str = typer.Option(None, "--prefix", help="The token's prefix, as listed."),
    token_id: int = typer.Option(None, "--id", help="The token's id, as listed."),
) -> None:
    """Revoke a token named by --prefix or --id: its requests are refused from now on."""
    with unit_of_work() as session:
        token = revoke_token(
            session,
            user=user_by_email(session, email),
            now=utcnow(),
            token_id=token_id,
            prefix=prefix.removesuffix("...") if prefix else None,
        )
    console.print(f"token {token.id} ({token.prefix}...) revoked")
