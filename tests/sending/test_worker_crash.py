"""A worker killed with SIGKILL in the middle of a batch (a real process), then another one
started: every message ends in exactly one final state, none reaches the carrier twice, and
every hold is captured or released.

The kill lands at the same place every run: the simulator's pause hook stops the worker's
third submission after the carrier took the batch and before it answered, and says so with a
marker file. The lease running out is written to the database rather than waited for."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import credits, models
from smsaddon.catalog import Catalog
from smsaddon.credits.models import CreditHold
from smsaddon.db import make_engine, session_factory, transaction, utcnow
from smsaddon.gateways.carrier_store import carrier_sends
from smsaddon.sms import sending
from smsaddon.sms.models import Message, PendingReport
from tests.fixtures.daytime import daytime_numbers
from tests.fixtures.sending import seeded_world

ROOT = Path(__file__).resolve().parents[2]
COUNT, BATCH = 600, 50


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "smsaddon", "worker", "--batch-size", str(BATCH), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _counts(sessions: sessionmaker[Session]) -> Counter[str]:
    with transaction(sessions) as s:
        rows = s.execute(select(Message.status, func.count()).group_by(Message.status)).all()
        return Counter({status: n for status, n in rows})


def test_a_killed_worker_loses_and_duplicates_nothing(tmp_path: Path, catalog: Catalog) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = make_engine(url)
    models.Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    now = utcnow()
    world = seeded_world(sessions, catalog, now, 100_000)
    world.add_list("everyone", daytime_numbers(catalog, COUNT, now))
    assert world.broadcast("everyone").queued == COUNT

    store, pause = tmp_path / "carrier.db", tmp_path / "pause"
    reached = tmp_path / "pause.reached"
    pause.write_text("3")  # the third submission stops after the carrier took it
    env = {
        **os.environ,
        "SMSADDON_DATABASE_URL": url,
        "SMSADDON_SIMULATOR_STORE": str(store),
        "SMSADDON_SIMULATOR_PAUSE": str(pause),
        "SMSADDON_SIMULATOR_DLR_DELAY": "0",
    }
    first = _worker(env)
    deadline = time.monotonic() + 120
    while not reached.exists():
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        assert time.monotonic() < deadline, "the worker never reached its third submission"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert _counts(sessions) == Counter(
        {"delivered": 2 * BATCH, "sending": BATCH, "queued": COUNT - 3 * BATCH}
    )
    assert sum(carrier_sends(store).values()) == 3 * BATCH

    pause.unlink()
    with transaction(sessions) as s:  # the dead worker's lease runs out
        s.execute(
            update(Message)
            .where(Message.status == "sending")
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    second = _worker(env, "--once")
    assert second.wait(timeout=300) == 0, second.stderr.read() if second.stderr else ""

    assert _counts(sessions) == Counter({"delivered": COUNT - BATCH, "failed": BATCH})
    sends = carrier_sends(store)
    assert len(sends) == COUNT and set(sends.values()) == {1}, "sent twice, or never"
    with transaction(sessions) as s:
        reasons = set(s.scalars(select(Message.reason).where(Message.status == "failed")))
        assert reasons == {sending.UNKNOWN_OUTCOME}
        states = Counter(s.scalars(select(CreditHold.state)))
        assert states == Counter({"captured": COUNT - BATCH, "released": BATCH})
        assert credits.check_invariants(s, now=utcnow()) == []
        # The carrier delivered the batch whose answer was lost: its reports are kept.
        assert s.scalar(select(func.count()).select_from(PendingReport)) == BATCH
    engine.dispose()


def test_worker_once_ends_on_sigterm_after_the_batch_in_hand(
    tmp_path: Path, catalog: Catalog
) -> None:
    """Given `smsaddon worker --once` with three batches due, when SIGTERM comes while its
    first submission is with the carrier (held there by the pause hook), then it records that
    batch, applies its reports and ends with status 0, leaving the rest queued."""
    url = f"sqlite:///{tmp_path / 'once.db'}"
    engine = make_engine(url)
    models.Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    now = utcnow()
    world = seeded_world(sessions, catalog, now, 100_000)
    world.add_list("everyone", daytime_numbers(catalog, 3 * BATCH, now))
    assert world.broadcast("everyone").queued == 3 * BATCH
    pause, reached = tmp_path / "pause", tmp_path / "pause.reached"
    pause.write_text("1")
    env = {
        **os.environ,
        "SMSADDON_DATABASE_URL": url,
        "SMSADDON_SIMULATOR_STORE": str(tmp_path / "carrier.db"),
        "SMSADDON_SIMULATOR_PAUSE": str(pause),
        "SMSADDON_SIMULATOR_DLR_DELAY": "0",
    }
    worker = _worker(env, "--once")
    deadline = time.monotonic() + 120
    while not reached.exists():
        assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
        assert time.monotonic() < deadline, "the worker never reached its first submission"
        time.sleep(0.02)
    worker.send_signal(signal.SIGTERM)
    pause.unlink()
    assert worker.wait(timeout=120) == 0, worker.stderr.read() if worker.stderr else ""
    assert _counts(sessions) == Counter({"delivered": BATCH, "queued": 2 * BATCH})
    engine.dispose()
