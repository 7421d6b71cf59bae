"""The simulator's memory: a SQLite file in WAL mode that every process of the service shares
and that survives restarts, like a carrier's own systems (and independent of the service's
database, so faults injected there do not reach it). Without a path it lives in the memory
of one process.

Tables: `submissions` (the carrier's journal: every message it took, with its globally unique
id), `attempts` (how often each message was offered: "busy once" is once for every process),
`replied` (numbers that already replied), `outbox` (delivery reports and inbound messages
waiting to be handed out; an item handed out is hidden for a while and handed out again until
it is acknowledged).
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    gateway_id TEXT PRIMARY KEY, key TEXT NOT NULL, to_number TEXT NOT NULL,
    outcome TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS submissions_key ON submissions (key);
CREATE TABLE IF NOT EXISTS attempts (key TEXT PRIMARY KEY, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS replied (number TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, due REAL NOT NULL, visible REAL NOT NULL DEFAULT 0,
    handouts INTEGER NOT NULL DEFAULT 0, acked REAL, gateway_id TEXT NOT NULL,
    status TEXT, error TEXT, number TEXT, body TEXT);
CREATE INDEX IF NOT EXISTS outbox_waiting ON outbox (due) WHERE acked IS NULL;
"""


class CarrierStore:
    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        # Writers of every process queue on an flock of `<path>.lock`: the kernel wakes the
        # next one when the lock is let go (SQLite's own busy wait sleeps up to 100 ms).
        self._queue = None if path is None else open(f"{path}.lock", "ab")  # noqa: SIM115
        self._db = sqlite3.connect(
            str(path) if path is not None else ":memory:",
            timeout=60,
            isolation_level=None,
            check_same_thread=False,
        )
        self._db.execute("PRAGMA busy_timeout = 60000")
        if path is not None:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        with self.write() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; threads queue on a lock, processes on the flock."""
        with self._lock:
            if self._queue is not None:
                fcntl.flock(self._queue, fcntl.LOCK_EX)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if self._queue is not None:
                    fcntl.flock(self._queue, fcntl.LOCK_UN)

    def read(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, params))

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._queue is not None:
                self._queue.close()


def carrier_sends(path: Path) -> Counter[str]:
    """How many times the carrier took each message key, from its journal."""
    store = CarrierStore(path)
    try:
        return Counter(str(key) for (key,) in store.read("SELECT key FROM submissions"))
    finally:
        store.close()
