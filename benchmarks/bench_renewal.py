"""Renewal of 100,000 accounts (each: an invoice with three lines, two grants, last month's
credits expired), then a second run that must do nothing. Baseline: the same renewal
one subscription per transaction through the ORM, on a 5,000-account sample, scaled."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from sqlalchemy import Engine, insert

from benchmarks.common import Row
from benchmarks.databases import postgres_available, postgres_engine, sqlite_engine
from smsaddon import billing
from smsaddon.accounts.models import Account
from smsaddon.billing.models import Subscription
from smsaddon.billing.subscriptions import next_renewal
from smsaddon.catalog import load_catalog
from smsaddon.config import DEFAULT_CATALOG
from smsaddon.credits.models import CreditGrant
from smsaddon.db import session_factory

ACCOUNTS = 100_000
SAMPLE = 5_000
ANCHOR = datetime(2026, 10, 15, 9, tzinfo=UTC)
RENEW_AT = datetime(2026, 11, 15, 9, 5, tzinfo=UTC)


def populate(engine: Engine, count: int) -> None:
    """`count` accounts on plus, monthly, with the add-on and a 1,000 bundle, month 0 granted."""
    accounts = [{"id": i, "name": f"Bench {i}", "created_at": ANCHOR} for i in range(1, count + 1)]
    probe = Subscription(
        anchor=ANCHOR, interval="monthly", sms_addon=True, billed_through=0, credited_through=0
    )
    renews_at = next_renewal(probe)
    subs = [
        {
            "account_id": i,
            "plan": "plus",
            "interval": "monthly",
            "anchor": ANCHOR,
            "sms_addon": True,
            "bundle_credits": 1000,
            "billed_through": 0,
            "credited_through": 0,
            "renews_at": renews_at,
            "version": 1,
            "updated_at": ANCHOR,
        }
        for i in range(1, count + 1)
    ]
    month_end = ANCHOR.replace(month=11)
    grants = [
        {
            "account_id": i,
            "key": "addon:0",
            "source": "addon",
            "amount": 500,
            "remaining": 500,
            "held": 0,
            "starts_at": ANCHOR,
            "expires_at": month_end,
            "created_at": ANCHOR,
        }
        for i in range(1, count + 1)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Account.__table__), accounts)
        conn.execute(insert(Subscription.__table__), subs)
        conn.execute(insert(CreditGrant.__table__), grants)


def measure(open_engine: Callable[[], AbstractContextManager[Engine]], label: str) -> list[Row]:
    catalog = load_catalog(DEFAULT_CATALOG)
    with open_engine() as engine:
        populate(engine, ACCOUNTS)
        sessions = session_factory(engine)
        start = time.perf_counter()
        first = billing.run_renewal(sessions, catalog=catalog, now=RENEW_AT)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        second = billing.run_renewal(sessions, catalog=catalog, now=RENEW_AT)
        again = time.perf_counter() - start
    if (first.subscriptions, first.invoices) != (ACCOUNTS, ACCOUNTS) or second.subscriptions:
        raise RuntimeError(f"renewal did the wrong work: {first} then {second}")
    with open_engine() as engine:
        populate(engine, SAMPLE)
        sessions = session_factory(engine)
        start = time.perf_counter()
        for account_id in range(1, SAMPLE + 1):
            with sessions.begin() as session:
                billing.renew(
                    session, catalog=catalog, now=RENEW_AT, after_id=account_id - 1, limit=1
                )
        baseline = (time.perf_counter() - start) * ACCOUNTS / SAMPLE
    return [
        Row(
            f"renewal of 100,000 accounts, {label}",
            seconds,
            "s",
            "one subscription per transaction (scaled from 5,000)",
            baseline,
            "< 10 s",
            seconds < 10,
        ),
        Row(
            f"renewal re-run (nothing due), {label}",
            again,
            "s",
            "first run",
            seconds,
            "does nothing",
            second.invoices == 0 and second.grants == 0,
        ),
    ]


def run() -> list[Row]:
    rows = measure(sqlite_engine, "SQLite")
    if postgres_available():
        rows += measure(postgres_engine, "PostgreSQL")
    return rows


__all__ = ["run"]
