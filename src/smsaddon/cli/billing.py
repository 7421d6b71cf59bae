"""Billing commands: demo, quotes and confirm, credits, adjust, renew, invoices, catalog check."""

from __future__ import annotations

import dataclasses
import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from smsaddon import billing, credits
from smsaddon.accounts import find_account, require_admin, user_by_email
from smsaddon.api import idempotency
from smsaddon.billing.demo import is_seeded, seed
from smsaddon.billing.models import Quote
from smsaddon.catalog import parse_catalog
from smsaddon.cli.app import app, console, context, reported_errors, unit_of_work
from smsaddon.db import utcnow

quote_app = typer.Typer(no_args_is_help=True, help="Review a purchase (a quote to confirm).")
catalog_app = typer.Typer(no_args_is_help=True, help="The catalog file.")
app.add_typer(quote_app, name="quote")
app.add_typer(catalog_app, name="catalog")

EMAIL = typer.Option(..., "--email", help="The user acting (their permissions apply).")
JSON = typer.Option(False, "--json", help="JSON instead of a table.")


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}


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
            raise typer.BadParameter("the demo accounts exist already")
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


def _print_quote(quote: Quote, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_jsonable({f: getattr(quote, f) for f in QUOTE_FIELDS})))
        return
    table = Table(title=f"Review Purchase {quote.id}", show_header=False)
    table.add_row("Change", quote.description)
    table.add_row("Due today", _fmt(quote.amount_due_now, quote.currency))
    table.add_row("New recurring amount", _fmt(quote.new_recurring_amount, quote.currency))
    table.add_row(
        "Next invoice",
        f"{quote.next_invoice_date:%Y-%m-%d}, {_fmt(quote.next_invoice_amount, quote.currency)}",
    )
    table.add_row("Credits granted now", f"{quote.credits_now:,}")
    table.add_row("Monthly credits after", f"{quote.new_monthly_credits:,}")
    table.add_row("Takes effect", f"{quote.effective_at:%Y-%m-%d %H:%M} UTC")
    table.add_row("Expires", f"{quote.expires_at:%Y-%m-%d %H:%M} UTC")
    console.print(table)


def _fmt(amount: int, currency: str) -> str:
    return f"{amount / 100:,.2f} {currency}"


@quote_app.command("addon")
def quote_addon(email: str = EMAIL, as_json: bool = JSON) -> None:
    """Quote adding the SMS add-on."""
    ctx = context()
    with unit_of_work() as session:
        quote = billing.quote_add_addon(
            session,
            actor=user_by_email(session, email),
            catalog=ctx.catalog,
            now=utcnow(),
            ttl_seconds=ctx.settings.quote_ttl_seconds,
        )
    _print_quote(quote, as_json)


@quote_app.command("bundle")
def quote_bundle(
    credits_: int = typer.Option(..., "--credits", help="Additional credits a month (0: none)."),
    email: str = EMAIL,
    as_json: bool = JSON,
) -> None:
    """Quote raising or lowering the recurring credit bundle."""
    ctx = context()
    with unit_of_work() as session:
        quote = billing.quote_change_bundle(
            session,
            actor=user_by_email(session, email),
            catalog=ctx.catalog,
            bundle_credits=credits_,
            now=utcnow(),
            ttl_seconds=ctx.settings.quote_ttl_seconds,
        )
    _print_quote(quote, as_json)


@quote_app.command("remove")
def quote_remove(email: str = EMAIL, as_json: bool = JSON) -> None:
    """Quote removing the SMS add-on at the end of the billing period."""
    ctx = context()
    with unit_of_work() as session:
        quote = billing.quote_remove_addon(
            session,
            actor=user_by_email(session, email),
            catalog=ctx.catalog,
            now=utcnow(),
            ttl_seconds=ctx.settings.quote_ttl_seconds,
        )
    _print_quote(quote, as_json)


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
        f"purchase {purchase.id} confirmed: charged {_fmt(purchase.amount, purchase.currency)}"
    )


@app.command("credits")
def credits_command(
    account: str = typer.Option(..., help="The account's name."),
    as_json: bool = JSON,
) -> None:
    """The credit balance: this period's grants, use, holds and what is available."""
    ctx = context()
    with unit_of_work() as session:
        account_id = find_account(session, account).id
        summary = billing.credit_summary(
            session, account_id=account_id, catalog=ctx.catalog, now=utcnow()
        )
    data = _jsonable(dataclasses.asdict(summary))
    if as_json:
        typer.echo(json.dumps(data))
        return
    table = Table(title=f"SMS credits of {account}", show_header=False)
    for key, value in data.items():
        table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


@app.command()
def adjust(
    account: str = typer.Option(..., help="The account's name."),
    credits_: int = typer.Option(..., "--credits", help="Credits to add (+) or remove (-)."),
    reason: str = typer.Option(..., help="Why (kept in the ledger)."),
    email: str = EMAIL,
) -> None:
    """Adjust an account's credits by hand, with a reason, as one of its admins.

    Added credits expire with the current credit period, like every other grant."""
    now = utcnow()
    with unit_of_work() as session:
        actor = user_by_email(session, email)
        target = find_account(session, account)
        if actor.account_id != target.id:
            raise typer.BadParameter(f"{email} is not a user of {account}")
        require_admin(actor)
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
            key=f"cli:{secrets.token_hex(8)}",
        )
    console.print(f"adjusted {account} by {credits_:+,} credits")


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
        f"renewed {report.subscriptions} subscriptions: {report.invoices} invoices, "
        f"{report.grants} grants, {report.expired_credits} credits expired"
    )
    console.print(f"forgot {forgotten} idempotency keys older than 24 hours")


@app.command()
def invoices(account: str = typer.Option(..., help="The account's name.")) -> None:
    """The account's invoices, newest first."""
    with unit_of_work() as session:
        rows = billing.list_invoices(session, account_id=find_account(session, account).id)
        table = Table("date", "description", "amount", "status")
        for invoice in rows:
            table.add_row(
                f"{invoice.issued_at:%Y-%m-%d}",
                invoice.description,
                _fmt(invoice.total, invoice.currency),
                invoice.status,
            )
    console.print(table)


@catalog_app.command("check")
def catalog_check(path: Path) -> None:
    """Validate a catalog file; errors name the file, the entry and the field."""
    with reported_errors():
        catalog = parse_catalog(path)
    console.print(
        f"{path}: catalog {catalog.version} is valid: {len(catalog.plans)} plans, "
        f"{len(catalog.bundles)} bundles, {len(catalog.countries)} countries"
    )
