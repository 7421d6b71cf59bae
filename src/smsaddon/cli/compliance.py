"""`smsaddon registration approve|reject|suspend|status` (the operator's side of 10DLC
review) and `smsaddon audit` (an account's audit log)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

import typer
from rich.table import Table

from smsaddon import audit, compliance
from smsaddon.accounts import find_account
from smsaddon.cli.app import app, console, unit_of_work
from smsaddon.db import utcnow

registration_app = typer.Typer(
    no_args_is_help=True, help="A2P 10DLC registration: the review's decisions and status."
)
app.add_typer(registration_app, name="registration")

ACCOUNT = typer.Option(..., "--account", help="The account's name.")
JSON = typer.Option(False, "--json", help="JSON instead of text.")


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}


def _show(account: str, status: compliance.RegistrationStatus, as_json: bool) -> None:
    data = _jsonable(asdict(status))
    data["may_send_to_us"] = status.may_send_to_us
    if as_json:
        typer.echo(json.dumps(data))
        return
    table = Table(title=f"10DLC registration of {account}", show_header=False)
    for key, value in data.items():
        table.add_row(key.replace("_", " "), "" if value is None else str(value))
    console.print(table)


@registration_app.command("status")
def status(account: str = ACCOUNT, as_json: bool = JSON) -> None:
    """Where the registration stands (after applying the reviewer's due decision)."""
    now = utcnow()
    with unit_of_work() as session:
        account_id = find_account(session, account).id
        compliance.review_due(
            session, reviewer=compliance.reviewer_from_env(), now=now, account_id=account_id
        )
        found = compliance.registration_status(session, account_id=account_id)
    _show(account, found, as_json)


@registration_app.command("approve")
def approve(account: str = ACCOUNT) -> None:
    """Approve the registration under review: US sending starts."""
    with unit_of_work() as session:
        account_id = find_account(session, account).id
        compliance.approve(session, account_id=account_id, now=utcnow())
    console.print(f"approved the 10DLC registration of {account}", highlight=False)


@registration_app.command("reject")
def reject(
    account: str = ACCOUNT,
    reason: str = typer.Option(..., "--reason", help="What to correct (the account sees it)."),
) -> None:
    """Reject the registration under review, with the reason the account sees."""
    with unit_of_work() as session:
        account_id = find_account(session, account).id
        compliance.reject(session, account_id=account_id, reason=reason, now=utcnow())
    console.print(f"rejected the 10DLC registration of {account}", highlight=False)


@registration_app.command("suspend")
def suspend(
    account: str = ACCOUNT,
    reason: str = typer.Option(..., "--reason", help="Why (the account sees it)."),
) -> None:
    """Suspend an approved campaign: US sending stops until it is approved again."""
    with unit_of_work() as session:
        account_id = find_account(session, account).id
        compliance.suspend(session, account_id=account_id, reason=reason, now=utcnow())
    console.print(f"suspended the 10DLC campaign of {account}", highlight=False)


@app.command("audit")
def audit_log(
    account: str = ACCOUNT,
    action: str = typer.Option(
        None, "--action", help=f"An action or an area: {', '.join(audit.AREAS)}."
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=audit.service.MAX_LIMIT),
    as_json: bool = JSON,
) -> None:
    """An account's audit log, newest first: who did what, when, from where."""
    with unit_of_work() as session:
        account_id = find_account(session, account).id
        entries = audit.entries_of(session, account_id=account_id, action=action, limit=limit)
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(_jsonable(asdict(entry))))
        return
    table = Table("when (UTC)", "who", "action", "subject", "from", "details")
    for entry in entries:
        details = ", ".join(f"{k}={v}" for k, v in entry.details.items())
        table.add_row(
            f"{entry.created_at:%Y-%m-%d %H:%M:%S}",
            entry.actor,
            entry.action,
            entry.subject,
            entry.origin,
            details,
        )
    console.print(table)
