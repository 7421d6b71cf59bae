"""`smsaddon users --account NAME` (an account's users, their roles and billing permission) and
`smsaddon users set` (the Primary Admin changes someone's role or billing permission)."""

from __future__ import annotations

import typer
from rich.table import Table

from smsaddon.accounts import Role, User, find_account, user_by_email
from smsaddon.accounts.service import set_permissions
from smsaddon.cli.app import app, console, errors, unit_of_work
from smsaddon.db import utcnow

users_app = typer.Typer(help="An account's users: roles and the billing permission.")
app.add_typer(users_app, name="users")

ROLE_NAMES = {Role.PRIMARY_ADMIN: "Primary Admin", Role.ADMIN: "Admin", Role.USER: "User"}


@users_app.callback(invoke_without_command=True)
def list_(
    ctx: typer.Context,
    account: str | None = typer.Option(None, "--account", help="The account's name."),
) -> None:
    """List an account's users (`--account NAME`), or change one (`users set`)."""
    if ctx.invoked_subcommand is not None:
        return
    if not account:
        errors.print("[red]error:[/red] name the account: --account NAME", highlight=False)
        raise typer.Exit(2)
    with unit_of_work() as session:
        found = find_account(session, account)
        table = Table("email", "name", "role", "billing", title=f"Users of {found.name}")
        for user in found.users:
            table.add_row(user.email, user.name, ROLE_NAMES[Role(user.role)], _billing(user))
    console.print(table)


@users_app.command("set")
def set_(
    email: str = typer.Option(..., "--email", help="Who makes the change: the Primary Admin."),
    user: str = typer.Option(..., "--user", help="The email of the user to change."),
    billing: bool | None = typer.Option(
        None, "--billing/--no-billing", help="Give or take the billing permission."
    ),
    role: str | None = typer.Option(None, "--role", help="admin or user."),
) -> None:
    """Change a user's role or billing permission, as the account's Primary Admin."""
    if role is not None and role not in (Role.ADMIN, Role.USER):
        errors.print("[red]error:[/red] --role is admin or user", highlight=False)
        raise typer.Exit(2)
    with unit_of_work() as session:
        actor = user_by_email(session, email)
        target = user_by_email(session, user)
        before = (str(target.role), target.can_bill)
        changed = set_permissions(
            session,
            actor=actor,
            user_id=target.id,
            role=Role(role) if role else None,
            can_bill=billing,
            now=utcnow(),
        )
        summary = f"{changed.email}: {ROLE_NAMES[Role(changed.role)]}, billing {_billing(changed)}"
        if (str(changed.role), changed.can_bill) == before:
            summary += " (unchanged)"
    console.print(summary, highlight=False)


def _billing(user: User) -> str:
    return "yes" if user.may_purchase else "no"
