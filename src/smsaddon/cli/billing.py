"""Billing commands: demo, quotes and confirm, credits, adjust, renew, invoices, catalog check."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime
from pathlib import Path

import typer

from smsaddon import billing, credits
from smsaddon.accounts import Account, find_account, require_admin, user_by_email
from smsaddon.api import idempotency
from smsaddon.billing.demo import is_seeded, seed
from smsaddon.billing.models import Quote
from smsaddon.catalog import parse_catalog
from smsaddon.cli.app import app, console, context, reported_errors, unit_of_work
from smsaddon.cli.output import Column, emit_json, emit_json_lines, safe, table
from smsaddon.db import utcnow
from smsaddon.errors import Conflict, PermissionDenied
from smsaddon.formatting import count, day, money, number, short_moment

quote_app = typer.Typer(no_args_is_help=True, help="Review a purchase (a quote to confirm).")
catalog_app = typer.Typer(no_args_is_help=True, help="The catalog file.")
app.add_typer(quote_app, name="quote")
app.add_typer(catalog_app, name="catalog")

EMAIL = typer.Option(..., "--email", help="The user acting (their permissions apply).")
JSON = typer.Option(False, "--json", help="JSON instead of a table (times in UTC).")


@app.command()
def demo(
    password: str = typer.Option(None, help="Password for every demo user (default: generated)."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if already seeded."),
) -> None:
    """Seed Demo Co, Annual Co and Lite Co with their users."""
    ctx = context()
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    with unit_of_work() as session:
        if is_seeded(session):
            if if_empty:
                console.print("demo data already present")
                return
            raise Conflict(
                "the demo accounts exist already in this database: "
                "add --if-empty to accept that, or set SMSADDON_DATABASE_URL to a new one"
            )
        seed(session, password=password, catalog=ctx.catalog, now=utcnow())
    console.print("seeded Demo Co, Annual Co and Lite Co")
    if generated:
        console.print(f"password for every demo user: {password}")


QUOTE_FIELDS = (
    "id",
    "kind",
    "description",
    "currency",
    "amount_due_now",
    "new_recurring_amount",
    "next_invoice_date",
    "next_invoice_amount",
    "credits_now",
    "new_monthly_credits",
    "effective_at",
    "expires_at",
)


def _print_quote(quote: Quote, zone: str, as_json: bool) -> None:
    if as_json:
        emit_json({f: getattr(quote, f) for f in QUOTE_FIELDS})
        return
    rows = [
        ("Change", quote.description),
        ("Due today", money(quote.amount_due_now, quote.currency)),
        ("New recurring amount", money(quote.new_recurring_amount, quote.currency)),
        (
            "Next invoice",
            f"{money(quote.next_invoice_amount, quote.currency)} on "
            f"{day(quote.next_invoice_date, zone)}",
        ),
        ("Credits granted now", number(quote.credits_now)),
        ("Monthly credits after", number(quote.new_monthly_credits)),
        ("Takes effect", short_moment(quote.effective_at, zone)),
        ("Expires", short_moment(quote.expires_at, zone)),
    ]
    facts = table([Column(""), Column("")], rows, title=f"Review Purchase {quote.id}")
    facts.show_header = False
    console.print(facts)


@quote_app.command("addon")
def quote_addon(email: str = EMAIL, as_json: bool = JSON) -> None:
    """Quote adding the SMS add-on."""
    ctx = context()
    with unit_of_work() as session:
        actor = user_by_email(session, email)
        zone = actor.account.time_zone
        quote = billing.quote_add_addon(
            session,
            actor=actor,
            catalog=ctx.catalog,
            now=utcnow(),
            ttl_seconds=ctx.settings.quote_ttl_seconds,
        )
    _print_quote(quote, zone, as_json)


@quote_app.command("bundle")
def quote_bundle(
    credits_: int = typer.Option(..., "--credits", help="Additional credits a month (0: none)."),
    email: str = EMAIL,
    as_json: bool = JSON,
) -> None:
    """Quote raising or lowering the recurring credit bundle."""
    ctx = context()
    with unit_of_work() as session:
        actor = user_by_email(session, email)
        zone = actor.account.time_zone
        quote = billing.quote_change_bundle(
            session,
            actor=actor,
            catalog=ctx.catalog,
            bundle_credits=credits_,
            now=utcnow(),
            ttl_seconds=ctx.settings.quote_ttl_seconds,
        )
    _print_quote(quote, zone, as_json)


@quote_app.command("remove")
def quote_remove(email: str = EMAIL, as_json: bool = JSON) -> None:
    """Quote removing the SMS add-on at the end of the billing period."""
    ctx = context()
    with unit_of_work() as session:
        actor = user_by_email(session, email)
        zone = actor.account.time_zone
        quote = billing.quote_remove_addon(
            session,
            actor=actor,
            catalog=ctx.catalog,
            now=utcnow(),
            ttl_seconds=ctx.settings.quote_ttl_seconds,
        )
    _print_quote(quote, zone, as_json)


@app.command()
def confirm(quote_id: str, email: str = EMAIL) -> None:
    """Confirm a quote: charge exactly its amount and apply it (safe to repeat)."""
    ctx = context()
    with unit_of_work() as session:
        purchase = billing.confirm(
            session,
            actor=user_by_email(session, email),
            quote_id=quote_id,
            catalog=ctx.catalog,
            payments=billing.payment_provider(ctx.settings),
            now=utcnow(),
        )
    console.print(
        f"purchase {purchase.id} confirmed: charged {money(purchase.amount, purchase.currency)}"
    )


@app.command("credits")
def credits_command(
    account: str = typer.Option(..., help="The account's name."),
    as_json: bool = JSON,
) -> None:
    """The credit balance: this period's grants, use, holds and what is available."""
    ctx = context()
    with unit_of_work() as session:
        found = find_account(session, account)
        summary = billing.credit_summary(
            session, account_id=found.id, catalog=ctx.catalog, now=utcnow()
        )
    data = dataclasses.asdict(summary)
    if as_json:
        emit_json(data)
        return
    rows = [
        (key.replace("_", " "), number(value) if isinstance(value, int) else _when(value, found))
        for key, value in data.items()
    ]
    facts = table([Column(""), Column("")], rows, title=f"SMS credits of {found.name}")
    facts.show_header = False
    console.print(facts)


def _when(value: object, account: Account) -> str:
    return short_moment(value, account.time_zone) if isinstance(value, datetime) else "none"


@app.command()
def adjust(
    account: str = typer.Option(..., help="The account's name."),
    credits_: int = typer.Option(..., "--credits", help="Credits to add (+) or remove (-)."),
    reason: str = typer.Option(..., help="Why (kept in the ledger)."),
    email: str = EMAIL,
    key: str | None = typer.Option(
        None,
        help="A name for this adjustment (e.g. a ticket number): a second adjustment of the "
        "account under the same key is refused, so running the command twice adjusts once.",
    ),
) -> None:
    """Adjust an account's credits by hand, with a reason, as one of its admins.

    Added credits expire with the current credit period, like every other grant."""
    now = utcnow()
    with unit_of_work() as session:
        actor = user_by_email(session, email)
        target = find_account(session, account)
        if actor.account_id != target.id:
            raise PermissionDenied(f"{email} is not a user of {target.name}")
        require_admin(actor)
        ledger_key = f"cli:{key}" if key is not None else f"cli:{secrets.token_hex(8)}"
        earlier = credits.find_adjustment(session, account_id=target.id, key=ledger_key)
        if earlier is not None:
            raise Conflict(
                f"{target.name} was adjusted under the key {key!r} already "
                f"({earlier:+,} credits): nothing changed"
            )
        period_end = billing.credit_summary(
            session, account_id=target.id, catalog=context().catalog, now=now
        ).period_end
        credits.adjust(
            session,
            expires_at=period_end if credits_ > 0 else None,
            account_id=target.id,
            credits=credits_,
            reason=reason,
            actor_user_id=actor.id,
            now=now,
            key=ledger_key,
        )
    verb = "added" if credits_ > 0 else "removed"
    console.print(f"{verb} {count(abs(credits_), 'credit')}: {safe(target.name)}")


@app.command()
def renew(chunk: int = typer.Option(5000, min=1, help="Subscriptions per transaction.")) -> None:
    """Charge due billing periods, grant due credit periods, expire ended credits, and forget
    API idempotency keys older than 24 hours. Run it often (e.g. every few minutes)."""
    ctx = context()
    now = utcnow()
    with reported_errors():
        report = billing.run_renewal(ctx.sessions, catalog=ctx.catalog, now=now, chunk=chunk)
    with unit_of_work() as session:
        forgotten = idempotency.purge(session, now=now)
    console.print(
        f"renewed {count(report.subscriptions, 'subscription')}: "
        f"{count(report.invoices, 'invoice')}, {count(report.grants, 'grant')}, "
        f"{count(report.expired_credits, 'credit')} expired"
    )
    console.print(f"forgot {count(forgotten, 'idempotency key')} older than 24 hours")


@app.command()
def invoices(
    account: str = typer.Option(..., help="The account's name."), as_json: bool = JSON
) -> None:
    """The account's invoices, newest first."""
    with unit_of_work() as session:
        found = find_account(session, account)
        rows = billing.list_invoices(session, account_id=found.id)
    if as_json:
        emit_json_lines(
            {
                "id": i.id,
                "issued_at": i.issued_at,
                "description": i.description,
                "total": i.total,
                "currency": i.currency,
                "status": i.status,
            }
            for i in rows
        )
        return
    columns = [Column("date"), Column("description"), Column("amount", justify="right")]
    columns.append(Column("status", drop=1))
    console.print(
        table(
            columns,
            (
                (
                    day(i.issued_at, found.time_zone),
                    i.description,
                    money(i.total, i.currency),
                    i.status,
                )
                for i in rows
            ),
            title=f"Invoices of {found.name}",
        )
    )


@catalog_app.command("check")
def catalog_check(path: Path) -> None:
    """Validate a catalog file; errors name the file, the entry and the field."""
    with reported_errors():
        catalog = parse_catalog(path)
    console.print(
        f"{safe(path)}: catalog {catalog.version} is valid: {len(catalog.plans)} plans, "
        f"{len(catalog.bundles)} bundles, {len(catalog.countries)} countries"
    )
