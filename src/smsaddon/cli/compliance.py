"""`smsaddon registration approve|reject|suspend|status` (the operator's side of 10DLC
review) and `smsaddon audit` (an account's audit log)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import typer

from smsaddon import audit, compliance
from smsaddon.accounts import find_account
from smsaddon.cli.app import app, console, context, unit_of_work
from smsaddon.cli.output import Column, emit_json, emit_json_lines, safe, table
from smsaddon.db import utcnow
from smsaddon.formatting import short_moment

registration_app = typer.Typer(
    no_args_is_help=True, help="A2P 10DLC registration: the review's decisions and status."
)
app.add_typer(registration_app, name="registration")

ACCOUNT = typer.Option(..., "--account", help="The account's name.")
JSON = typer.Option(False, "--json", help="JSON instead of text (times in UTC).")


def _show(account: str, zone: str, status: compliance.RegistrationStatus, as_json: bool) -> None:
    data = asdict(status)
    data["may_send_to_us"] = status.may_send_to_us
    if as_json:
        emit_json(data)
        return
    rows = [(key.replace("_", " "), _value(value, zone)) for key, value in data.items()]
    facts = table([Column(""), Column("")], rows, title=f"10DLC registration of {account}")
    facts.show_header = False
    console.print(facts)


def _value(value: object, zone: str) -> str:
    if isinstance(value, datetime):
        return short_moment(value, zone)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


@registration_app.command("status")
def status(account: str = ACCOUNT, as_json: bool = JSON) -> None:
    """Where the registration stands (after applying the reviewer's due decision)."""
    now = utcnow()
    with unit_of_work() as session:
        target = find_account(session, account)
        compliance.review_due(session, reviewer=context().reviewer, now=now, account_id=target.id)
        found = compliance.registration_status(session, account_id=target.id)
    _show(target.name, target.time_zone, found, as_json)


@registration_app.command("approve")
def approve(account: str = ACCOUNT) -> None:
    """Approve the registration under review: US sending starts."""
    with unit_of_work() as session:
        account_id = find_account(session, account).id
        compliance.approve(session, account_id=account_id, now=utcnow())
    console.print(f"approved the 10DLC registration of {safe(account)}")


@registration_app.command("reject")
def reject(
    account: str = ACCOUNT,
    reason: str = typer.Option(..., "--reason", help="What to correct (the account sees it)."),
) -> None:
    """Reject the registration under review, with the reason the account sees."""
    with unit_of_work() as session:
        account_id = find_account(session, account).id
        compliance.reject(session, account_id=account_id, reason=reason, now=utcnow())
    console.print(f"rejected the 10DLC registration of {safe(account)}")


@registration_app.command("suspend")
def suspend(
    account: str = ACCOUNT,
    reason: str = typer.Option(..., "--reason", help="Why (the account sees it)."),
) -> None:
    """Suspend an approved campaign: US sending stops until it is approved again."""
    with unit_of_work() as session:
        account_id = find_account(session, account).id
        compliance.suspend(session, account_id=account_id, reason=reason, now=utcnow())
    console.print(f"suspended the 10DLC campaign of {safe(account)}")


@app.command("audit")
def audit_log(
    account: str = ACCOUNT,
    action: str = typer.Option(
        None, "--action", help=f"An action or an area: {', '.join(audit.AREAS)}."
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=audit.service.MAX_LIMIT),
    as_json: bool = JSON,
) -> None:
    """An account's audit log, newest first: who did what, when, from where. The JSON has the
    raw action, subject and details of each entry."""
    with unit_of_work() as session:
        target = find_account(session, account)
        entries = audit.entries_of(session, account_id=target.id, action=action, limit=limit)
    if as_json:
        emit_json_lines(asdict(entry) for entry in entries)
        return
    columns = [Column("when"), Column("what happened"), Column("from", drop=1)]
    rows = (
        (short_moment(e.created_at, target.time_zone), audit.sentence(e), e.origin) for e in entries
    )
    console.print(table(columns, rows, title=f"Audit log of {target.name}"))
