"""The simulator: a carrier in the process, deterministic under a seed.

Outcomes come from number patterns first (a regular expression on the E.164 number), then
from rates drawn per message key with the seed, so the same message gets the same outcome in
any order and any process. Delivery reports come `dlr_delay` seconds after submission;
`replies` schedule an inbound reply from numbers that match; `inject` delivers any inbound
message (a person replying STOP).

It is idempotent: a key submitted again answers its first result and is not sent again.
With a `journal` file the carrier's memory survives the process (a worker killed and
restarted): every accepted submission is appended and flushed before it is answered, and
reports not yet handed out are handed out again after a restart.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from smsaddon.gateways.base import (
    Accepted,
    Collected,
    Inbound,
    Outbound,
    Refused,
    StatusReport,
    SubmitResult,
)

Outcome = Literal["deliver", "undeliver", "reject", "temporary"]

# The default patterns: numbers ending in these digits behave so, everything else delivers.
DEFAULT_RULES: tuple[tuple[str, Outcome], ...] = (
    (r"0000$", "reject"),
    (r"0001$", "undeliver"),
    (r"0002$", "temporary"),
)
DEFAULT_REPLIES: tuple[tuple[str, str], ...] = ((r"0003$", "STOP"),)


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
    journal: Path | None = None
    latency: float = 0.0  # seconds each submit takes to answer, after the carrier took it
    sender: str = "+15005550006"


@dataclass
class _State:
    results: dict[str, Accepted] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    reports: list[tuple[datetime, StatusReport]] = field(default_factory=list)
    inbound: list[tuple[datetime, Inbound]] = field(default_factory=list)
    sends: int = 0  # messages handed to the "carrier" (a repeat key is not one)


class Simulator:
    idempotent = True

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self._rules = [(re.compile(p), o) for p, o in self.config.rules]
        self._replies = [(re.compile(p), text) for p, text in self.config.replies]
        self._state = _State()
        self._lock = threading.Lock()
        self._counter = 0
        self._replied: set[str] = set()
        self._journal = None
        if self.config.journal is not None:
            self._load(self.config.journal)
            self._journal = self.config.journal.open("a", encoding="utf-8")

    @property
    def sends(self) -> int:
        return self._state.sends

    def submit(self, batch: Sequence[Outbound], *, now: datetime) -> list[SubmitResult]:
        with self._lock:
            lines: list[str] = []
            results = [self._submit_one(message, now, lines) for message in batch]
            if self._journal is not None and lines:
                self._journal.write("".join(lines))
                self._journal.flush()
                os.fsync(self._journal.fileno())
        if self.config.latency:
            time.sleep(self.config.latency)
        return results

    def _submit_one(self, message: Outbound, now: datetime, lines: list[str]) -> SubmitResult:
        state = self._state
        first = state.results.get(message.key)
        if first is not None:
            return first
        outcome = self._outcome(message)
        attempt = state.attempts[message.key] = state.attempts.get(message.key, 0) + 1
        if outcome == "reject":
            return Refused(message.key, "rejected by the carrier (simulated)", retryable=False)
        if outcome == "temporary" and attempt == 1:
            return Refused(message.key, "carrier busy (simulated)", retryable=True)
        gateway_id = f"sim-{message.key}"
        accepted = Accepted(message.key, (gateway_id,))
        lines.append(f"S {message.key} {message.to} {outcome}\n")
        state.results[message.key] = accepted
        state.sends += 1
        self._schedule(message.key, message.to, outcome, now)
        return accepted

    def _schedule(self, key: str, to: str, outcome: str, now: datetime) -> None:
        at = now + timedelta(seconds=self.config.dlr_delay)
        status: Literal["delivered", "undelivered"] = (
            "undelivered" if outcome == "undeliver" else "delivered"
        )
        error = "absent subscriber (simulated)" if status == "undelivered" else None
        self._state.reports.append((at, StatusReport(f"sim-{key}", status, at, error)))
        if status == "delivered" and to not in self._replied:
            for pattern, text in self._replies:
                if pattern.search(to):
                    self._replied.add(to)  # a person replies once, not to every message
                    reply_at = at + timedelta(seconds=self.config.reply_delay)
                    self._add_inbound(to, text, reply_at)

    def _outcome(self, message: Outbound) -> str:
        for pattern, outcome in self._rules:
            if pattern.search(message.to):
                return outcome
        draw = random.Random(f"{self.config.seed}:{message.key}").random()
        for outcome, rate in (
            ("reject", self.config.reject_rate),
            ("temporary", self.config.temporary_rate),
            ("undeliver", self.config.undelivered_rate),
        ):
            if draw < rate:
                return outcome
            draw -= rate
        return "deliver"

    def inject(self, *, from_e164: str, body: str, at: datetime) -> None:
        """An inbound message from a person (replying STOP, HELP, ...)."""
        with self._lock:
            self._add_inbound(from_e164, body, at)

    def _add_inbound(self, from_e164: str, body: str, at: datetime) -> None:
        self._counter += 1
        gateway_id = f"sim-in-{self.config.seed}-{len(self._state.inbound)}-{self._counter}"
        inbound = Inbound(gateway_id, from_e164, self.config.sender, body, at)
        self._state.inbound.append((at, inbound))

    def collect(self, *, now: datetime) -> Collected:
        with self._lock:
            state = self._state
            reports = [r for at, r in state.reports if at <= now]
            state.reports = [(at, r) for at, r in state.reports if at > now]
            inbound = [m for at, m in state.inbound if at <= now]
            state.inbound = [(at, m) for at, m in state.inbound if at > now]
            if self._journal is not None and reports:
                self._journal.write("".join(f"R {r.gateway_id}\n" for r in reports))
                self._journal.flush()
        return Collected(reports, inbound)

    def pending(self) -> int:
        """Reports and inbound messages not yet collected."""
        return len(self._state.reports) + len(self._state.inbound)

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def _load(self, path: Path) -> None:
        """Rebuild the carrier's memory; reports not handed out are due again at once."""
        if not path.exists():
            return
        submitted: dict[str, tuple[str, str]] = {}
        reported: set[str] = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] == "S":
                submitted[parts[1]] = (parts[2], parts[3])
            elif len(parts) == 2 and parts[0] == "R":
                reported.add(parts[1])
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        for key, (to, outcome) in submitted.items():
            self._state.results[key] = Accepted(key, (f"sim-{key}",))
            self._state.sends += 1
            if f"sim-{key}" not in reported:
                self._schedule(key, to, outcome, epoch)


def journal_sends(path: Path) -> dict[str, int]:
    """How many times each key was handed to the carrier, from a journal file."""
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "S":
            counts[parts[1]] = counts.get(parts[1], 0) + 1
    return counts
