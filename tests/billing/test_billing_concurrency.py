"""Concurrent confirms and renewals on PostgreSQL, with real threads and connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import billing
from smsaddon.billing.demo import seed
from smsaddon.billing.models import Invoice, Purchase
from smsaddon.catalog import Catalog
from smsaddon.credits.models import CreditEntry, CreditGrant
from smsaddon.db import session_factory, transaction
from smsaddon.errors import DomainError
from tests.fixtures.database import empty_all_tables
from tests.fixtures.world import NOW, PERIOD_END, World


@pytest.fixture
def pg_world(pg_engine: Engine, catalog: Catalog) -> World:
    empty_all_tables(pg_engine)
    sessions = session_factory(pg_engine)
    with transaction(sessions) as session:
        seed(session, password="demo-password", catalog=catalog, now=NOW)
    return World(sessions, catalog)


def run_together(count: int, work: Callable[[], object]) -> list[object]:
    """Start `count` threads at the same instant; collect results or errors."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work()
        except Exception as exc:  # collected and checked by the caller
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def count(sessions: sessionmaker[Session], model: type) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.postgres
def test_twenty_concurrent_confirms_give_one_purchase(pg_world: World) -> None:
    quote = pg_world.quote_addon()
    results = run_together(20, lambda: pg_world.confirm(quote.id))
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert len({r.id for r in results if isinstance(r, Purchase)}) == 1
    sessions = pg_world.sessions
    assert (count(sessions, Purchase), count(sessions, Invoice)) == (1, 1)
    assert count(sessions, CreditGrant) == 1
    assert pg_world.summary().available == 500


@pytest.mark.postgres
def test_concurrent_confirms_of_two_quotes_apply_one_and_refuse_the_other(
    pg_world: World,
) -> None:
    quotes = [pg_world.quote_addon(), pg_world.quote_addon()]
    it = iter(quotes)
    lock = threading.Lock()

    def confirm_next() -> Purchase:
        with lock:
            quote = next(it)
        return pg_world.confirm(quote.id)

    outcomes = run_together(2, confirm_next)
    assert sum(isinstance(o, Purchase) for o in outcomes) == 1
    assert [type(o).__name__ for o in outcomes if isinstance(o, DomainError)] == ["QuoteStale"]
    assert count(pg_world.sessions, CreditGrant) == 1


@pytest.mark.postgres
def test_two_renewals_at_once_grant_and_charge_once_per_period(pg_world: World) -> None:
    pg_world.buy(pg_world.quote_addon())
    pg_world.buy(pg_world.quote_bundle(1000))
    after = PERIOD_END + timedelta(minutes=1)
    run_together(
        2,
        lambda: billing.run_renewal(
            pg_world.sessions, catalog=pg_world.catalog, now=after, chunk=1
        ),
    )
    sessions = pg_world.sessions
    with transaction(sessions) as s:
        keys = sorted(s.scalars(select(CreditGrant.key)))
        invoice_keys = sorted(s.scalars(select(Invoice.key)))
        expires = s.scalar(
            select(func.count()).select_from(CreditEntry).where(CreditEntry.kind == "expire")
        )
    assert [k for k in keys if not k.startswith("bundle:0:")] == ["addon:0", "addon:1", "bundle:1"]
    assert [k for k in invoice_keys if k.startswith("renewal:")] == ["renewal:1"]
    assert expires == 2  # the two buckets of the ended period, expired once
    assert pg_world.summary(now=after).available == 1500
