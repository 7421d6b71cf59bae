"""The worker: claim a batch, submit it outside any transaction, record the outcome, then
collect delivery reports and inbound replies. Any number of workers share one queue.

A message whose previous worker stopped mid-submission (its lease ran out) is submitted again
only to an idempotent gateway (which answers the first result and does not send it twice);
with any other gateway its outcome is unknown, so it fails, is released, and is never resent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from smsaddon import compliance
from smsaddon.db import transaction, utcnow
from smsaddon.gateways.base import (
    Gateway,
    GatewayUnavailable,
    Outbound,
    Refused,
    StatusReport,
    SubmitResult,
)
from smsaddon.sms import sending
from smsaddon.sms.sending import Claimed

log = logging.getLogger("smsaddon.worker")
KEEP_UNMATCHED = timedelta(minutes=10)


class Worker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        gateway: Gateway,
        *,
        name: str | None = None,
        batch_size: int = 200,
        lease: timedelta = timedelta(seconds=60),
        clock: Callable[[], datetime] = utcnow,
        reviewer: compliance.Reviewer | None = None,
    ) -> None:
        self.sessions = sessions
        self.reviewer = reviewer
        self.gateway = gateway
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.batch_size = batch_size
        self.lease = lease
        self.clock = clock
        self._unmatched: list[tuple[datetime, StatusReport]] = []

    def step(self) -> int:
        """One round: a batch sent and the reports collected; how much work was done."""
        return self.send_batch() + self.collect()

    def send_batch(self) -> int:
        with transaction(self.sessions) as session:
            claimed = sending.claim(
                session, worker=self.name, now=self.clock(), limit=self.batch_size, lease=self.lease
            )
        if not claimed:
            return 0
        results = self._submit(claimed)
        with transaction(self.sessions) as session:
            sending.record(session, results=results, now=self.clock())
        return len(claimed)

    def _submit(self, claimed: list[Claimed]) -> list[tuple[Claimed, SubmitResult]]:
        unknown = [c for c in claimed if c.reclaimed and not self.gateway.idempotent]
        batch = [c for c in claimed if c not in unknown]
        results: list[tuple[Claimed, SubmitResult]] = [
            (c, sending.unknown_outcome(c)) for c in unknown
        ]
        if not batch:
            return results
        outbound = [Outbound(c.key, c.to, c.body) for c in batch]
        try:
            answers = self.gateway.submit(outbound, now=self.clock())
        except GatewayUnavailable as exc:
            log.warning("gateway unavailable: %s", exc)
            answers = [Refused(c.key, f"gateway unavailable: {exc}", True) for c in batch]
        return results + list(zip(batch, answers, strict=True))

    def collect(self) -> int:
        now = self.clock()
        found = self.gateway.collect(now=now)
        reports = [r for _, r in self._unmatched] + found.reports
        if not reports and not found.inbound:
            return 0
        with transaction(self.sessions) as session:
            unmatched = sending.apply_reports(session, reports=reports)
            for inbound in found.inbound:
                sending.receive(session, inbound=inbound, now=now)
        first_seen = {id(r): t for t, r in self._unmatched}
        self._unmatched = [
            (first_seen.get(id(r), now), r)
            for r in unmatched
            if now - first_seen.get(id(r), now) < KEEP_UNMATCHED
        ]
        return len(found.reports) + len(found.inbound)

    def review_registrations(self) -> int:
        """Apply the 10DLC reviewer's decisions that have come due; how many."""
        if self.reviewer is None:
            return 0
        with transaction(self.sessions) as session:
            return compliance.review_due(session, reviewer=self.reviewer, now=self.clock())

    def run(self, stop: threading.Event, *, idle: float = 0.2, review_every: float = 5.0) -> None:
        """Work until `stop` is set; sleep `idle` seconds when there is nothing to do, and
        apply due registration decisions every `review_every` seconds."""
        log.info("worker %s started", self.name)
        next_review = 0.0
        while not stop.is_set():
            try:
                busy = self.step()
                if time.monotonic() >= next_review:
                    next_review = time.monotonic() + review_every
                    self.review_registrations()
            except Exception:  # a bad round must not end the worker; the lease covers it
                log.exception("worker round failed")
                busy = 0
            if not busy:
                stop.wait(idle)
        log.info("worker %s stopped", self.name)

    def drain(self, *, timeout: float = 30.0) -> None:
        """Work until nothing is due and nothing is pending (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.step() and not self._unmatched:
                return
        raise TimeoutError("the queue did not drain in time")
