"""`smsaddon users --account NAME` (an account's users, their roles and billing permission),
`smsaddon users set` (the Primary Admin changes someone's role or billing permission) and
`smsaddon time-zone` (the account's time zone, in which its people see times),
`smsaddon password change / reset` (a user's own change; the operator's reset)."""

from __future__ import annotations

import sys

import typer

from smsaddon.accounts import Role, User, find_account, set_time_zone, user_by_email
from smsaddon.accounts.passwords import change_password, reset_password
from smsaddon.accounts.service import set_permissions
from smsaddon.cli.app import app, console, unit_of_work
from smsaddon.cli.output import Column, emit_json_lines, safe, table
from smsaddon.db import utcnow

users_app = typer.Typer(help="An account's users: roles and the billing permission.")
app.add_typer(users_app, name="users")

ROLE_NAMES = {Role.PRIMARY_ADMIN: "Primary Admin", Role.ADMIN: "Admin", Role.USER: "User"}


@users_app.callback(invoke_without_command=True)
def list_(
    ctx: typer.Context,
    account: str | None = typer.Option(None, "--account", help="The account's name."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    """List an account's users (`--account NAME`), or change one (`users set`)."""
    if ctx.invoked_subcommand is not None:
        return
    if not account:
        raise typer.BadParameter("name the account whose users to list", param_hint="'--account'")
    with unit_of_work() as session:
        found = find_account(session, account)
        people = [(u.email, u.name, ROLE_NAMES[Role(u.role)], _billing(u)) for u in found.users]
        name = found.name
    if as_json:
        keys = ("email", "name", "role", "billing")
        emit_json_lines(dict(zip(keys, person, strict=True)) for person in people)
        return
    columns = [Column("email"), Column("name"), Column("role"), Column("billing")]
    console.print(table(columns, people, title=f"Users of {name}"))


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
        raise typer.BadParameter("admin or user", param_hint="'--role'")
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
    console.print(safe(summary))


def _billing(user: User) -> str:
    return "yes" if user.may_purchase else "no"


@app.command("time-zone")
def time_zone(
    zone: str | None = typer.Argument(
        None, help="An IANA time zone such as America/New_York (omit it to see the current)."
    ),
    email: str = typer.Option(..., "--email", help="Who asks; to change it: the Primary Admin."),
) -> None:
    """The account's time zone: its people see every date and time in it (exports stay UTC)."""
    with unit_of_work() as session:
        actor = user_by_email(session, email)
        account = actor.account
        if zone is not None:
            account = set_time_zone(session, actor=actor, time_zone=zone, now=utcnow())
        name, current = account.name, account.time_zone
    console.print(f"the time zone of {safe(name)} is {current}")


password_app = typer.Typer(no_args_is_help=True, help="Change or reset a user's password.")
app.add_typer(password_app, name="password")


@password_app.command("change")
def change(
    email: str = typer.Option(..., "--email", help="Whose password: they know the current one."),
    current: str = typer.Option(..., prompt="Current password", hide_input=True),
    new: str = typer.Option(..., prompt="New password", hide_input=True, confirmation_prompt=True),
) -> None:
    """Change a password, knowing the current one: the user's sessions are ended."""
    with unit_of_work() as session:
        user = user_by_email(session, email)
        ended = change_password(session, user=user, current=current, new=new, now=utcnow())
    console.print(f"the password of {safe(user.email)} is changed; {_sessions(ended)} ended")


@password_app.command("reset")
def reset(
    email: str = typer.Option(..., "--email", help="Whose password to reset."),
    from_stdin: bool = typer.Option(
        False, "--stdin", help="Read the new password from the first line of stdin."
    ),
) -> None:
    """The operator's reset: a new password (printed once, or read from stdin), and every
    session of the user ended."""
    given = sys.stdin.readline().rstrip("\r\n") if from_stdin else None
    with unit_of_work() as session:
        user = user_by_email(session, email)
        password = reset_password(session, user=user, new=given, now=utcnow())
    console.print(f"the password of {safe(user.email)} is reset; every session is ended")
    if given is None:
        console.print("the new password, shown this once:")
        typer.echo(password)


def _sessions(ended: int) -> str:
    return "1 session" if ended == 1 else f"{ended} sessions"
