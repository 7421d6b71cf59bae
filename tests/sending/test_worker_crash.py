"""A worker killed with SIGKILL in the middle of a batch (a real process), then restarted:
every message ends in exactly one final state, none reaches the carrier twice, and every
hold is captured or released."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import credits, models
from smsaddon.billing.demo import seed
from smsaddon.catalog import Catalog
from smsaddon.credits.models import CreditHold
from smsaddon.db import make_engine, session_factory, transaction, utcnow
from smsaddon.gateways.simulator import journal_sends
from smsaddon.sms.models import Message
from tests.sending.conftest import Sending, buy_addon
from tests.sending.daytime import daytime_numbers

ROOT = Path(__file__).resolve().parents[2]
COUNT = 600


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "smsaddon", "worker", "--batch-size", "50", "--lease", "2", *args],
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
    with transaction(sessions) as s:
        seed(s, password="demo-password", catalog=catalog, now=now)
    buy_addon(sessions, catalog, now)
    world = Sending(sessions, catalog)
    world.clock.now = now
    world.grant(100_000)
    world.add_list("everyone", daytime_numbers(catalog, COUNT, now))
    result = world.broadcast("everyone")
    assert result.queued == COUNT

    journal = tmp_path / "carrier.journal"
    env = {
        **os.environ,
        "SMSADDON_DATABASE_URL": url,
        "SMSADDON_SIMULATOR_JOURNAL": str(journal),
        "SMSADDON_SIMULATOR_DLR_DELAY": "0",
        "SMSADDON_SIMULATOR_LATENCY_MS": "150",
    }
    first = _worker(env)
    deadline = time.monotonic() + 60
    while _counts(sessions)["delivered"] < 100:  # some batches done, more in flight
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = _counts(sessions)
    assert killed_at["sending"] > 0, f"the kill came between batches: {killed_at}"

    time.sleep(2.5)  # the dead worker's lease runs out
    second = _worker({**env, "SMSADDON_SIMULATOR_LATENCY_MS": "0"}, "--once")
    assert second.wait(timeout=120) == 0, second.stderr.read() if second.stderr else ""

    final = _counts(sessions)
    assert set(final) <= {"delivered", "undelivered", "failed"}, final
    assert sum(final.values()) == COUNT
    sends = journal_sends(journal)
    assert max(sends.values()) == 1, "a message reached the carrier twice"
    assert len(sends) == final["delivered"] + final["undelivered"]
    with transaction(sessions) as s:
        states = Counter(s.scalars(select(CreditHold.state)))
        assert states["open"] == 0 and sum(states.values()) == COUNT
        assert credits.check_invariants(s, now=utcnow()) == []
    engine.dispose()
