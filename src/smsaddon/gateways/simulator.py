"""The simulator: a carrier, deterministic under a seed, whose memory every process shares.

Outcomes come from number patterns first (a regular expression on the E.164 number), then
from rates drawn per message key with the seed, so the same message gets the same outcome in
any order and any process. Delivery reports come `dlr_delay` seconds after submission;
`replies` schedule an inbound reply from numbers that match (once per number); `inject`
delivers any inbound message (a person replying STOP).

Like a real carrier it does not recognize a message submitted twice: each submission is
taken, journaled and given new, globally unique ids. Its memory is a `CarrierStore` (a SQLite
file shared by every process, or one process's memory); the journal there is what tests count
duplicates from. Reports and inbound messages are handed out until acknowledged.

Test hook: with `pause` set and that file present, holding a number N, the N-th submit of
this process stops after the carrier took the batch and before it answers; it creates
`<pause>.reached` and waits until the pause file is removed (a test kills the process there).
"""

from __future__ import annotations

import random
import re
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from smsaddon.gateways.base import (
    Accepted,
    Capability,
    Collected,
    Inbound,
    OnAccepted,
    Outbound,
    Refused,
    StatusReport,
    SubmitResult,
)
from smsaddon.gateways.carrier_store import CarrierStore

Outcome = Literal["deliver", "undeliver", "reject", "temporary"]

# The default patterns: numbers ending in these digits behave so, everything else delivers.
DEFAULT_RULES: tuple[tuple[str, Outcome], ...] = (
    (r"0000$", "reject"),
    (r"0001$", "undeliver"),
    (r"0002$", "temporary"),
)
DEFAULT_REPLIES: tuple[tuple[str, str], ...] = ((r"0003$", "STOP"),)
HANDOUT_LIMIT = 1000  # items per collect
REJECTED = "rejected by the carrier (simulated)"


@dataclass(frozen=True)
class SimulatorConfig:
    seed: int = 0
    rules: tuple[tuple[str, Outcome], ...] = DEFAULT_RULES
    replies: tuple[tuple[str, str], ...] = DEFAULT_REPLIES
    undelivered_rate: float = 0.0
    reject_rate: float = 0.0
    temporary_rate: float = 0.0
    dlr_delay: float = 0.0  # seconds from submission to the delivery report
    reply_delay: float = 0.0
    store: Path | None = None  # the shared memory; None: this process only
    latency: float = 0.0  # seconds each submit takes to answer, after the carrier took it
    visibility: float = 10.0  # seconds before an item handed out but not acked is handed again
    pause: Path | None = None  # the test hook above
    sender: str = "+15005550006"


class Simulator:
    capabilities = frozenset({Capability.INJECT_INBOUND})

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self._rules = [(re.compile(p), o) for p, o in self.config.rules]
        self._replies = [(re.compile(p), text) for p, text in self.config.replies]
        c = self.config
        self._rated = bool(c.reject_rate or c.temporary_rate or c.undelivered_rate)
        self._store = CarrierStore(self.config.store)
        self._submits = 0

    @property
    def sends(self) -> int:
        """Messages the carrier took, by every process."""
        return int(self._store.read("SELECT count(*) FROM submissions")[0][0])

    def pending(self) -> int:
        """Reports and inbound messages not acknowledged yet."""
        found = self._store.read("SELECT count(*) FROM outbox WHERE acked IS NULL")
        return int(found[0][0])

    def submit(
        self, batch: Sequence[Outbound], *, now: datetime, accepted: OnAccepted | None = None
    ) -> list[SubmitResult]:
        """Take the batch and answer it whole (`accepted` is not called: there is no moment
        when some of its messages are answered and others not)."""
        if not batch:
            return []
        at = now.timestamp()
        outcomes = {m.key: self._outcome(m) for m in batch}
        results: list[SubmitResult] = []
        with self._store.write() as db:
            offered = self._offered(db, [k for k, o in outcomes.items() if o == "temporary"])
            taken, outbox = [], []
            for message in batch:
                outcome = outcomes[message.key]
                if outcome == "reject":
                    results.append(Refused(message.key, REJECTED, retryable=False))
                    continue
                if outcome == "temporary" and offered[message.key] == 1:
                    results.append(Refused(message.key, "carrier busy (simulated)", True))
                    continue
                gateway_id = f"sim-{uuid.uuid4().hex}"
                results.append(Accepted(message.key, (gateway_id,)))
                taken.append((gateway_id, message.key, message.to, outcome, at))
                outbox.append(self._report(gateway_id, outcome, at + self.config.dlr_delay))
                if outcome != "undeliver":
                    outbox += self._reply_to(db, message.to, at + self.config.dlr_delay)
            db.executemany("INSERT INTO submissions VALUES (?, ?, ?, ?, ?)", taken)
            db.executemany(
                "INSERT INTO outbox (id, kind, due, gateway_id, status, error, number, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                outbox,
            )
        self._submits += 1
        self._pause_if_asked()
        if self.config.latency:
            time.sleep(self.config.latency)
        return results

    @staticmethod
    def _offered(db: sqlite3.Connection, keys: list[str]) -> dict[str, int]:
        """Count one more offer of each key; how many times each was offered now."""
        counts: dict[str, int] = {}
        for key in keys:
            row = db.execute(
                "INSERT INTO attempts VALUES (?, 1) ON CONFLICT (key) "
                "DO UPDATE SET count = count + 1 RETURNING count",
                (key,),
            ).fetchone()
            counts[key] = int(row[0])
        return counts

    @staticmethod
    def _report(gateway_id: str, outcome: str, due: float) -> tuple[object, ...]:
        if outcome == "undeliver":
            status, error = "undelivered", "absent subscriber (simulated)"
        else:
            status, error = "delivered", None
        return (f"r:{gateway_id}", "report", due, gateway_id, status, error, None, None)

    def _reply_to(
        self, db: sqlite3.Connection, number: str, due: float
    ) -> list[tuple[object, ...]]:
        """A person's reply after delivery, if the number matches a pattern: once a number."""
        for pattern, text in self._replies:
            if pattern.search(number):
                first = db.execute(
                    "INSERT INTO replied VALUES (?) ON CONFLICT DO NOTHING", (number,)
                ).rowcount
                return [self._inbound(number, text, due + self.config.reply_delay)] if first else []
        return []

    def _inbound(self, number: str, body: str, due: float) -> tuple[object, ...]:
        gateway_id = f"sim-in-{uuid.uuid4().hex}"
        return (f"i:{gateway_id}", "inbound", due, gateway_id, None, None, number, body)

    def _outcome(self, message: Outbound) -> Outcome:
        for pattern, outcome in self._rules:
            if pattern.search(message.to):
                return outcome
        if not self._rated:
            return "deliver"
        draw = random.Random(f"{self.config.seed}:{message.key}").random()
        rates: tuple[tuple[Outcome, float], ...] = (
            ("reject", self.config.reject_rate),
            ("temporary", self.config.temporary_rate),
            ("undeliver", self.config.undelivered_rate),
        )
        for outcome, rate in rates:
            if draw < rate:
                return outcome
            draw -= rate
        return "deliver"

    def _pause_if_asked(self) -> None:
        pause = self.config.pause
        if pause is None or not pause.exists():
            return
        if pause.read_text().strip() != str(self._submits):
            return
        pause.with_name(pause.name + ".reached").write_text("reached")
        while pause.exists():
            time.sleep(0.01)

    def inject(self, *, from_e164: str, body: str, at: datetime) -> None:
        """An inbound message from a person (replying STOP, HELP, ...)."""
        with self._store.write() as db:
            db.execute(
                "INSERT INTO outbox (id, kind, due, gateway_id, status, error, number, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                self._inbound(from_e164, body, at.timestamp()),
            )

    def collect(self, *, now: datetime) -> Collected:
        """Reports and inbound messages due, each hidden for `visibility` seconds after it is
        handed out, and handed out again until acknowledged."""
        at = now.timestamp()
        with self._store.write() as db:
            rows = db.execute(
                "UPDATE outbox SET visible = ?, handouts = handouts + 1 WHERE id IN ("
                " SELECT id FROM outbox WHERE acked IS NULL AND due <= ? AND visible <= ?"
                " ORDER BY due LIMIT ?)"
                " RETURNING id, kind, due, gateway_id, status, error, number, body",
                (at + self.config.visibility, at, at, HANDOUT_LIMIT),
            ).fetchall()
        found = Collected()
        for receipt, kind, due, gateway_id, status, error, number, body in sorted(
            rows, key=lambda row: row[2]
        ):
            when = datetime.fromtimestamp(due, UTC)
            if kind == "report":
                found.reports.append(StatusReport(gateway_id, status, when, error, receipt))
            else:
                found.inbound.append(
                    Inbound(gateway_id, number, self.config.sender, body, when, receipt)
                )
        return found

    def ack(self, receipts: Sequence[str], *, now: datetime) -> None:
        """Acknowledged: never handed out again. The carrier notes when, on its own clock
        (after the taker's commit: the soak dates a STOP by it)."""
        at = time.time()
        with self._store.write() as db:
            db.executemany(
                "UPDATE outbox SET acked = ? WHERE id = ? AND acked IS NULL",
                [(at, r) for r in receipts],
            )

    def close(self) -> None:
        self._store.close()
