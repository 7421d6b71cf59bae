"""Two workers on PostgreSQL sharing one queue: no message is claimed twice."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, select

from smsaddon.billing.demo import seed
from smsaddon.catalog import Catalog
from smsaddon.db import session_factory, transaction
from smsaddon.gateways import (
    Capability,
    Collected,
    OnAccepted,
    Outbound,
    Simulator,
    SimulatorConfig,
    SubmitResult,
)
from smsaddon.sms.models import Message
from smsaddon.worker import Worker
from tests.fixtures.database import empty_all_tables
from tests.fixtures.sending import NOW, Sending, buy_addon

COUNT = 1500


class Counting:
    """A gateway that counts every submission it is given."""

    capabilities = frozenset[Capability]()

    def __init__(self) -> None:
        self.inner = Simulator(SimulatorConfig(dlr_delay=0))
        self.counts: Counter[str] = Counter()
        self.by_worker: Counter[int] = Counter()
        self.lock = threading.Lock()

    def submit(
        self, batch: Sequence[Outbound], *, now: datetime, accepted: OnAccepted | None = None
    ) -> list[SubmitResult]:
        with self.lock:
            self.counts.update(m.key for m in batch)
            self.by_worker[threading.get_ident()] += len(batch)
        return self.inner.submit(batch, now=now)

    def collect(self, *, now: datetime) -> Collected:
        return self.inner.collect(now=now)

    def ack(self, receipts: Sequence[str], *, now: datetime) -> None:
        self.inner.ack(receipts, now=now)

    def close(self) -> None:
        pass


def test_two_workers_never_claim_one_message_twice(pg_engine: Engine, catalog: Catalog) -> None:
    empty_all_tables(pg_engine)
    sessions = session_factory(pg_engine)
    with transaction(sessions) as s:
        seed(s, password="demo-password", catalog=catalog, now=NOW)
    buy_addon(sessions, catalog)
    world = Sending(sessions, catalog)
    world.grant(100_000)
    world.add_list("all", [f"+4474001{i:05d}" for i in range(10, 10 + COUNT)])
    assert world.broadcast("all").queued == COUNT
    gateway = Counting()
    workers = [
        Worker(sessions, gateway, name=f"w{n}", batch_size=20, clock=lambda: NOW) for n in range(2)
    ]
    start = threading.Barrier(2)

    def run(worker: Worker) -> None:
        start.wait()
        worker.drain(timeout=120)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(gateway.counts) == COUNT and max(gateway.counts.values()) == 1
    assert len(gateway.by_worker) == 2 and min(gateway.by_worker.values()) > 0
    with transaction(sessions) as s:
        rows = s.execute(select(Message.status, Message.attempts)).all()
    assert Counter(rows) == Counter({("delivered", 1): COUNT})
    assert world.invariants() == []
