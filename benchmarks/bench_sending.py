"""Sending: a 100,000-recipient broadcast priced, held and queued in one transaction (baseline:
one transaction per message through `send_message`, on a sample, scaled); and messages per
second end to end through the simulator, queued to delivered, on SQLite and PostgreSQL, and
with 2 worker processes on PostgreSQL. The throughput's baseline is the design before
submissions were recorded as started and reports acknowledged after commit (commit
BEFORE, its in-process carrier and per-report updates): its own code, checked out from git
and run in this same `make bench` in a subprocess. With several worker processes, the clock
starts when all of them are imported and connected (a barrier), in both designs: process
start-up is not what is measured."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.common import Row
from benchmarks.databases import postgres_available, postgres_engine, sqlite_engine
from smsaddon import credits
from smsaddon.accounts import Account, Role, User
from smsaddon.billing.models import Subscription
from smsaddon.catalog import Catalog, load_catalog
from smsaddon.config import DEFAULT_CATALOG
from smsaddon.db import make_engine, session_factory, transaction
from smsaddon.gateways import Simulator, SimulatorConfig
from smsaddon.sms import messages
from smsaddon.sms.models import Contact, ContactList, ContactListMember, Message
from smsaddon.sms.quiet_hours import time_zones_for
from smsaddon.worker import Worker

BEFORE = "d2f4f89"  # the design measured as the baseline of the throughput rows
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECIPIENTS = 100_000
SAMPLE = 2_000
THROUGHPUT = 20_000
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # midday in London: inside quiet hours
TEXT = "Winter sale: 20% off everything until Sunday. Reply STOP to opt out."


def populate(engine: Engine, recipients: int, list_name: str = "everyone") -> None:
    """One account with the SMS add-on, plenty of credits, and a list of GB contacts."""
    sessions = session_factory(engine)
    zones = time_zones_for("+447400000000")
    with transaction(sessions) as s:
        s.execute(insert(Account), [{"id": 1, "name": "Bench Co", "created_at": NOW}])
        s.execute(
            insert(User),
            [
                {
                    "id": 1,
                    "account_id": 1,
                    "email": "owner@bench.test",
                    "name": "Owner",
                    "password_hash": "x",
                    "role": Role.PRIMARY_ADMIN,
                    "can_bill": True,
                    "created_at": NOW,
                }
            ],
        )
        s.execute(
            insert(Subscription),
            [
                {
                    "account_id": 1,
                    "plan": "plus",
                    "interval": "monthly",
                    "anchor": NOW - timedelta(days=5),
                    "sms_addon": True,
                    "bundle_credits": 0,
                    "billed_through": 0,
                    "credited_through": 0,
                    "renews_at": NOW + timedelta(days=20),
                    "version": 1,
                    "updated_at": NOW,
                }
            ],
        )
        credits.grant(
            s,
            account_id=1,
            credits=10_000_000,
            source=credits.GrantSource.MANUAL,
            starts_at=NOW - timedelta(days=1),
            expires_at=NOW + timedelta(days=20),
            key="bench",
            now=NOW,
        )
        s.execute(
            insert(ContactList), [{"id": 1, "account_id": 1, "name": list_name, "created_at": NOW}]
        )
        for start in range(0, recipients, 20_000):
            chunk = range(start, min(start + 20_000, recipients))
            s.execute(
                insert(Contact),
                [
                    {
                        "id": i + 1,
                        "account_id": 1,
                        "e164": f"+4474{i:08d}",
                        "region": "GB",
                        "time_zones": zones,
                        "name": "",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in chunk
                ],
            )
            s.execute(
                insert(ContactListMember), [{"list_id": 1, "contact_id": i + 1} for i in chunk]
            )


def _owner(session: Session) -> User:
    return session.get_one(User, 1)


def broadcast(sessions: sessionmaker[Session], catalog: Catalog) -> int:
    with transaction(sessions) as s:
        result = messages.send_broadcast(
            s, actor=_owner(s), list_name="everyone", body=TEXT, catalog=catalog, now=NOW
        )
    return result.queued


def one_by_one(sessions: sessionmaker[Session], catalog: Catalog, count: int) -> None:
    for i in range(count):
        with transaction(sessions) as s:
            messages.send_message(
                s, actor=_owner(s), to=f"+4474{i:08d}", body=TEXT, catalog=catalog, now=NOW
            )


def drain(sessions: sessionmaker[Session], batch_size: int, store: str | None = None) -> int:
    """Send everything queued through the simulator (its memory in `store`, shared by every
    process, as in production), until delivered; the messages delivered."""
    config = SimulatorConfig(
        dlr_delay=0, rules=(), replies=(), store=Path(store) if store else None
    )
    carrier = Simulator(config)
    worker = Worker(sessions, carrier, batch_size=batch_size, clock=lambda: NOW)
    worker.drain(timeout=3600)
    carrier.close()
    return delivered(sessions)


def delivered(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as s:
        query = select(func.count()).select_from(Message).where(Message.status == "delivered")
        return int(s.scalar(query) or 0)


def _drain_process(url: str, store: str, ready: Barrier) -> None:
    """A worker process: imported and connected, it waits at `ready` for the others and the
    clock (process start-up is not what is measured), then sends until nothing is left."""
    engine = make_engine(url)
    with engine.connect():
        pass
    ready.wait()
    drain(session_factory(engine), 500, store)
    engine.dispose()


def in_processes(target: Callable[..., None], workers: int, *args: object) -> float:
    """Seconds `workers` processes running `target(*args, ready)` took, from the moment all
    were ready (see `_drain_process`) to the last one's end."""
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Barrier(workers + 1)
    processes = [spawn.Process(target=target, args=(*args, ready)) for _ in range(workers)]
    for process in processes:
        process.start()
    ready.wait()
    start = time.perf_counter()
    for process in processes:
        process.join()
    return time.perf_counter() - start


def broadcast_rows(
    label: str, fresh: Callable[[], AbstractContextManager[Engine]], target: float
) -> list[Row]:
    catalog = load_catalog(DEFAULT_CATALOG)
    with fresh() as engine:
        populate(engine, RECIPIENTS)
        start = time.perf_counter()
        queued = broadcast(session_factory(engine), catalog)
        seconds = time.perf_counter() - start
        assert queued == RECIPIENTS
    with fresh() as engine:
        populate(engine, 0)
        start = time.perf_counter()
        one_by_one(session_factory(engine), catalog, SAMPLE)
        baseline = (time.perf_counter() - start) * RECIPIENTS / SAMPLE
    return [
        Row(
            f"100,000-recipient broadcast priced, held, queued ({label})",
            seconds,
            "s",
            f"one transaction per message ({SAMPLE:,} sample, scaled)",
            baseline,
            f"< {target:g} s",
            seconds < target,
        )
    ]


def throughput(fresh: Callable[[], AbstractContextManager[Engine]], workers: int = 1) -> float:
    """Messages per second from queued to delivered, with `workers` worker processes."""
    catalog = load_catalog(DEFAULT_CATALOG)
    with fresh() as engine, tempfile.TemporaryDirectory() as folder:
        populate(engine, THROUGHPUT)
        sessions = session_factory(engine)
        broadcast(sessions, catalog)
        store = str(Path(folder) / "carrier.db")
        if workers == 1:
            start = time.perf_counter()
            sent = drain(sessions, 500, store)
            seconds = time.perf_counter() - start
        else:
            url = engine.url.render_as_string(hide_password=False)
            seconds = in_processes(_drain_process, workers, url, store)
            sent = delivered(sessions)
        rate = sent / seconds
        assert sent == THROUGHPUT, sent
    return rate


# Run inside the design at BEFORE: its own populate, broadcast and worker(s), timed as above
# (its worker processes wait at the same barrier: BEFORE_WORKER, written into its checkout).
BEFORE_SCRIPT = """
import multiprocessing, time
from benchmarks.bench_sending import *
from benchmarks.bench_sending import _sqlite
from benchmarks.before_worker import run
from benchmarks.databases import postgres_engine
catalog = load_catalog(DEFAULT_CATALOG)
with {fresh}() as engine:
    populate(engine, THROUGHPUT)
    sessions = session_factory(engine)
    broadcast(sessions, catalog)
    if {workers} == 1:
        start = time.perf_counter()
        sent = drain(sessions, 500)
        seconds = time.perf_counter() - start
    else:
        url = engine.url.render_as_string(hide_password=False)
        spawn = multiprocessing.get_context("spawn")
        ready = spawn.Barrier({workers} + 1)
        processes = [spawn.Process(target=run, args=(url, ready)) for _ in range({workers})]
        for process in processes:
            process.start()
        ready.wait()
        start = time.perf_counter()
        for process in processes:
            process.join()
        seconds = time.perf_counter() - start
        with transaction(sessions) as s:
            sent = s.scalar(select(func.count()).select_from(Message)
                            .where(Message.status == "delivered"))
    print(sent / seconds)
"""
BEFORE_WORKER = """
from benchmarks.bench_sending import drain
from smsaddon.db import make_engine, session_factory


def run(url, ready):
    engine = make_engine(url)
    with engine.connect():
        pass
    ready.wait()
    drain(session_factory(engine), 500)
    engine.dispose()
"""


def before(label: str, workers: int) -> float:
    """The throughput of the design at BEFORE, run from its own code in a subprocess."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "archive", BEFORE, "src", "benchmarks"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        Path(folder, "benchmarks", "before_worker.py").write_text(BEFORE_WORKER)
        script = BEFORE_SCRIPT.format(
            fresh="_sqlite" if label == "SQLite" else "postgres_engine", workers=workers
        )
        env = {**os.environ, "PYTHONPATH": f"{folder}/src{os.pathsep}{folder}"}
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=folder, env=env, capture_output=True
        )
        if done.returncode:
            raise RuntimeError(f"the design before failed to run:\n{done.stderr.decode()}")
        return float(done.stdout.decode().split()[-1])


def throughput_rows(
    label: str, fresh: Callable[[], AbstractContextManager[Engine]], workers: int = 1
) -> list[Row]:
    rate = throughput(fresh, workers)
    baseline = before(label, workers)
    name = f"messages/s queued to delivered, simulator ({label}, {workers} worker"
    return [
        Row(
            name + ("s)" if workers > 1 else ")") + f", {rate / baseline:.2f}x the design before",
            rate,
            "msg/s",
            f"the design before ({BEFORE})",
            baseline,
            f">= {2000 * workers:,}/s",
            rate >= 2000 * workers,
        )
    ]


@contextmanager
def _sqlite() -> Iterator[Engine]:
    with sqlite_engine() as engine:
        yield engine


def run() -> list[Row]:
    rows = broadcast_rows("SQLite", _sqlite, 3)
    rows += throughput_rows("SQLite", _sqlite)
    if postgres_available():
        rows += broadcast_rows("PostgreSQL", postgres_engine, 5)
        rows += throughput_rows("PostgreSQL", postgres_engine)
        rows += throughput_rows("PostgreSQL", postgres_engine, workers=2)
    return rows
