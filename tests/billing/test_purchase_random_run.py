"""A seeded random run of purchases, renewals and spending, with crashes injected at random
SQL statements and every operation retried with the same key: after every step the ledger
invariants hold, a crash or a refusal leaves nothing changed, and a retry applies once."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from smsaddon import billing, credits
from smsaddon.accounts import find_account
from smsaddon.billing.models import QuoteKind
from smsaddon.db import transaction
from smsaddon.errors import DomainError
from tests.fixtures.snapshots import snapshot
from tests.fixtures.world import NOW, World

STEPS = 400


class InjectedCrash(Exception):
    pass


@contextmanager
def crash_at_statement(engine: Engine, number: int) -> Iterator[None]:
    """Raise InjectedCrash just before the `number`-th SQL statement from now."""
    seen = 0

    def before(*_: Any) -> None:
        nonlocal seen
        seen += 1
        if seen == number:
            raise InjectedCrash(f"crash before statement {number}")

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


class Run:
    def __init__(self, world: World, engine: Engine, seed: int) -> None:
        self.world = world
        self.engine = engine
        self.rng = random.Random(seed)
        self.now = NOW
        self.refs = 0
        self.open_holds: list[str] = []
        self.outcomes: dict[str, int] = {"crashed": 0, "refused": 0, "applied": 0}
        with transaction(world.sessions) as s:
            self.account_id = find_account(s, "Demo Co").id

    def in_tx(self, work: Callable[[Session], object]) -> object:
        with transaction(self.world.sessions) as session:
            return work(session)

    def op_buy(self) -> Callable[[], object]:
        kind = self.rng.choice(
            [QuoteKind.ADD_ADDON, QuoteKind.CHANGE_BUNDLE, QuoteKind.REMOVE_ADDON]
        )
        world, now = self.world, self.now
        try:
            if kind == QuoteKind.ADD_ADDON:
                quote = world.quote_addon(now=now)
            elif kind == QuoteKind.CHANGE_BUNDLE:
                amount = self.rng.choice([0, *(b.credits for b in world.catalog.bundles)])
                quote = world.quote_bundle(amount, now=now)
            else:
                quote = self.in_tx(
                    lambda s: billing.quote_remove_addon(
                        s,
                        actor=world.user(s, "owner@demo.test"),
                        catalog=world.catalog,
                        now=now,
                        ttl_seconds=1800,
                    )
                )
        except DomainError:
            return lambda: None
        return lambda: world.confirm(quote.id, now=now)  # type: ignore[attr-defined]

    def op_spend(self) -> Callable[[], object]:
        self.refs += 1
        ref, amount = f"spend-{self.refs}", self.rng.randint(1, 40)
        return lambda: self.in_tx(
            lambda s: credits.spend(
                s, account_id=self.account_id, credits=amount, ref=ref, now=self.now
            )
        )

    def op_hold(self) -> Callable[[], object]:
        self.refs += 1
        ref, amount = f"hold-{self.refs}", self.rng.randint(1, 60)

        def hold() -> object:
            result = self.in_tx(
                lambda s: credits.hold(
                    s, account_id=self.account_id, credits=amount, ref=ref, now=self.now
                )
            )
            if ref not in self.open_holds:
                self.open_holds.append(ref)
            return result

        return hold

    def op_end_hold(self) -> Callable[[], object]:
        if not self.open_holds:
            return lambda: None
        ref = self.rng.choice(self.open_holds)
        end = credits.capture if self.rng.random() < 0.6 else credits.release

        def finish() -> object:
            result = self.in_tx(lambda s: end(s, account_id=self.account_id, ref=ref, now=self.now))
            if ref in self.open_holds:
                self.open_holds.remove(ref)
            return result

        return finish

    def op_renew(self) -> Callable[[], object]:
        def renew(s: Session) -> object:  # one transaction, so a crash undoes all of it
            billing.renew(s, catalog=self.world.catalog, now=self.now)
            return credits.expire_due(s, now=self.now)

        return lambda: self.in_tx(renew)

    def step(self) -> None:
        self.now += timedelta(hours=self.rng.randint(0, 60))
        make = self.rng.choice(
            [
                self.op_buy,
                self.op_spend,
                self.op_spend,
                self.op_hold,
                self.op_end_hold,
                self.op_renew,
            ]
        )
        operation = make()
        before = snapshot(self.world.sessions)
        if self.rng.random() < 0.4:
            outcome = "applied"
            with crash_at_statement(self.engine, self.rng.randint(1, 4)):
                try:
                    operation()
                except InjectedCrash:
                    outcome = "crashed"
                except DomainError:
                    outcome = "refused"
            self.outcomes[outcome] += 1
            if outcome != "applied":
                assert snapshot(self.world.sessions) == before, f"{outcome}, yet changed"
            if outcome == "refused":
                return
            if outcome == "applied":  # the crash point lay past the work's last statement
                before = None
        try:
            operation()  # the retry, with the same quote, ref or key
        except DomainError:
            if before is not None:
                assert snapshot(self.world.sessions) == before, "a refusal left changes"
            return
        applied = snapshot(self.world.sessions)
        with suppress(DomainError):
            operation()  # once more: must change nothing
        assert snapshot(self.world.sessions) == applied, "a retry applied twice"
        self.check()

    def check(self) -> None:
        with transaction(self.world.sessions) as s:
            problems = credits.check_invariants(s, now=self.now)
            balance = credits.balance(s, account_id=self.account_id, now=self.now)
        assert problems == []
        summary = self.world.summary(now=self.now)
        assert (summary.available, summary.held) == (balance.available, balance.held)
        assert balance.available >= 0 and balance.held >= 0


@pytest.mark.slow
def test_random_purchases_spending_and_renewals_keep_every_invariant(
    world: World, engine: Engine
) -> None:
    run = Run(world, engine, seed=20261128)
    for _ in range(STEPS):
        run.step()
    run.check()
    assert run.outcomes["crashed"] >= STEPS // 20, run.outcomes  # crashes really happened
