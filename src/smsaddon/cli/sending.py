"""Sending commands: worker, send, broadcast, contacts import, messages, inbound (simulated)."""

from __future__ import annotations

import json
import logging
import signal
import threading
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from types import FrameType

import typer

from smsaddon.accounts import find_account, user_by_email
from smsaddon.cli.app import app, console, context, errors, fail, reported_errors, unit_of_work
from smsaddon.cli.output import Column, emit_json_lines, safe, table
from smsaddon.db import utcnow
from smsaddon.formatting import count, number, short_moment
from smsaddon.gateways import Inbound
from smsaddon.phones import normalize
from smsaddon.sms import contacts, messages, sending
from smsaddon.worker import Worker

contacts_app = typer.Typer(no_args_is_help=True, help="Contacts and lists.")
app.add_typer(contacts_app, name="contacts")

EMAIL = typer.Option(..., "--email", help="The user sending (their account pays).")
LEASE = typer.Option(
    60,
    "--lease",
    min=1,
    max=86400,
    help="Seconds a claim is kept before another worker may take the messages over.",
)


@app.command()
def worker(
    batch_size: int = typer.Option(200, "--batch-size", min=1, max=5000),
    idle: float = typer.Option(0.2, "--idle", help="Seconds to wait when there is no work."),
    once: bool = typer.Option(False, "--once", help="Send what is due now, then stop."),
    lease: int = LEASE,
) -> None:
    """Send queued messages through the configured gateway until stopped (Ctrl-C)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    ctx = context()
    with reported_errors():
        gateway = ctx.gateway
    stop = threading.Event()
    runner = Worker(
        ctx.sessions,
        gateway,
        batch_size=batch_size,
        lease=timedelta(seconds=lease),
        reviewer=ctx.reviewer,
        stop=stop,
    )

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()  # the batch in hand is finished and recorded, then the worker ends

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if once:
            runner.drain(timeout=3600)
        else:
            runner.run(idle=idle)
    finally:
        # Ending already: a SIGTERM from now on is ignored rather than left to Python's exit,
        # which restores the default action (killed by the signal, status -15).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        gateway.close()


@app.command()
def send(
    email: str = EMAIL,
    to: str = typer.Option(..., "--to", help="The number, with + and its country code."),
    text: str = typer.Option(..., "--text"),
) -> None:
    """Send one message: priced, held, queued (or refused, with the reason)."""
    with unit_of_work() as session:
        message = messages.send_message(
            session,
            actor=user_by_email(session, email),
            to=to,
            body=text,
            catalog=context().catalog,
            now=utcnow(),
        )
    if message.status == "blocked":
        fail(f"message {message.id} blocked, nothing charged: {message.reason}")
    console.print(
        f"message {message.id} queued to {message.to_e164}: "
        f"{count(message.segments, 'segment')}, {message.encoding}, "
        f"{count(message.credits, 'credit')} held"
    )


@app.command()
def estimate(
    email: str = EMAIL,
    text: str = typer.Option(..., "--text"),
    to: list[str] = typer.Option(None, "--to", help="A number (repeat for more)."),
    list_name: str = typer.Option(None, "--list", help="A contact list."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text."),
) -> None:
    """What sending a text would hold, per country, and who would not be charged and why:
    the estimate the send applies (opt-outs, countries, 10DLC registration)."""
    with unit_of_work() as session:
        user = user_by_email(session, email)
        numbers = list(to or [])
        if list_name:
            numbers += messages.list_numbers(
                session, account_id=user.account_id, list_name=list_name
            )
        found = messages.estimate(
            session,
            account_id=user.account_id,
            catalog=context().catalog,
            text=text,
            recipients=numbers,
        )
    if as_json:
        typer.echo(json.dumps(asdict(found), default=str))
        return
    console.print(
        f"{count(found.segments, 'segment')}, {found.encoding}: "
        f"{count(found.total_credits, 'credit')} for {count(found.recipients, 'recipient')}"
    )
    for country in found.countries:
        console.print(
            f"  {safe(country.name)}: {number(country.recipients)} x {found.segments} x "
            f"{country.credits_per_segment} = {count(country.credits, 'credit')}"
        )
    for group, excluded in found.excluded.items():
        console.print(f"  not charged, {group.replace('_', ' ')}: {number(excluded)}")


@app.command()
def broadcast(
    email: str = EMAIL,
    list_name: str = typer.Option(..., "--list", help="The contact list."),
    text: str = typer.Option(..., "--text"),
) -> None:
    """Send one text to every contact of a list; all its credits held at once, or none."""
    with unit_of_work() as session:
        result = messages.send_broadcast(
            session,
            actor=user_by_email(session, email),
            list_name=list_name,
            body=text,
            catalog=context().catalog,
            now=utcnow(),
        )
    console.print(
        f"broadcast {result.broadcast.id}: {count(result.queued, 'message')} queued, "
        f"{count(result.credits, 'credit')} held"
    )
    for reason, blocked in result.blocked.items():
        console.print(f"  {number(blocked)} blocked: {safe(reason)}")


@contacts_app.command("import")
def import_contacts(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    account: str = typer.Option(..., "--account", help="The account's name."),
    list_name: str = typer.Option(None, "--list", help="Add the contacts to this list."),
    default_region: str = typer.Option(
        None, "--default-region", help="Region of numbers written without +."
    ),
) -> None:
    """Import contacts from a CSV file (a phone column, optionally name)."""
    data = file.read_text(encoding="utf-8-sig")
    with unit_of_work() as session:
        account_id = find_account(session, account).id
    with reported_errors():
        report = contacts.import_csv(
            context().sessions,
            account_id=account_id,
            data=data,
            now=utcnow(),
            list_name=list_name or file.stem,
            default_region=default_region,
            max_rows=context().settings.import_max_rows,
        )
    console.print(
        f"imported {count(report.imported, 'contact')} into the list {safe(report.list_name)}"
    )
    for error in report.errors:
        errors.print(f"line {error.line}: {safe(repr(error.given))}: {safe(error.reason)}")
    if report.error_count > len(report.errors):
        kinds = ", ".join(f"{n:,} bad {kind}s" for kind, n in report.errors_by_kind.items())
        errors.print(f"{report.error_count:,} rows not imported in all ({kinds})")


@app.command("messages")
def list_messages(
    account: str = typer.Option(..., "--account", help="The account's name."),
    status: str = typer.Option(None, "--status"),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table (UTC)."),
) -> None:
    """The account's messages, newest first."""
    with unit_of_work() as session:
        target = find_account(session, account)
        found = messages.list_messages(session, account_id=target.id, status=status, limit=limit)
    if as_json:
        emit_json_lines({field: getattr(m, field) for field in MESSAGE_FIELDS} for m in found)
        return
    columns = [Column("id"), Column("to"), Column("status"), Column("credits", 3, "right")]
    columns += [Column("created", 2), Column("segments", 4, "right"), Column("encoding", 5)]
    columns.append(Column("reason", 1))
    rows = (
        (
            m.id,
            m.to_e164,
            f"{m.status} (reply)" if m.kind == "reply" else m.status,
            m.credits,
            short_moment(m.created_at, target.time_zone),
            m.segments,
            m.encoding,
            m.reason or "",
        )
        for m in found
    )
    console.print(table(columns, rows, title=f"Messages of {target.name}"))


MESSAGE_FIELDS = (
    "id",
    "kind",
    "to_e164",
    "region",
    "status",
    "segments",
    "encoding",
    "credits",
    "created_at",
    "due_at",
    "reason",
)


@app.command()
def inbound(
    from_number: str = typer.Option(..., "--from", help="The number replying."),
    text: str = typer.Option(..., "--text", help="What it says: STOP, START, HELP, ..."),
) -> None:
    """Receive an inbound message as the simulator would (a person replying STOP)."""
    now = utcnow()
    with unit_of_work() as session:
        e164 = normalize(from_number).e164
        message = Inbound(f"cli-{now.timestamp()}", e164, "simulator", text, now)
        sending.receive(session, inbound=message, now=now)
    console.print(f"received {safe(repr(text))} from {e164}")
