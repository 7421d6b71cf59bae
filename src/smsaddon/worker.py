"""The worker: claim a batch, start it, submit it outside any transaction, record the outcome,
then collect delivery reports and inbound replies and acknowledge them once committed. Any
number of workers, in any number of processes, share one queue.

Each step is its own transaction: the claim (the intent to submit, committed before the
network call, see `sms.sending`), the record of the answers, the reports received. A
record that fails on a dropped database connection is tried again (the answers are in
memory) until it commits or the lease runs out; after that the message's outcome is unknown
and it is never sent twice: the next claim asks the gateway about it if its ids were written
while the batch went on and the gateway can be asked (SMPP `query_sm`), or fails it.
Reports and inbound messages are acknowledged to the gateway only after their transaction
committed, so a failure there loses nothing: the gateway hands them out again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import compliance
from smsaddon.db import transaction, utcnow
from smsaddon.gateways.base import (
    Accepted,
    Capability,
    Gateway,
    GatewayUnavailable,
    Outbound,
    Queryable,
    SubmitResult,
)
from smsaddon.sms import sending
from smsaddon.sms.sending import Claimed

log = logging.getLogger("smsaddon.worker")
RETRY_DB = (OperationalError, InterfaceError)  # a dropped connection, a locked database


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
        stop: threading.Event | None = None,
    ) -> None:
        self.sessions = sessions
        self.reviewer = reviewer
        self.gateway = gateway
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.batch_size = batch_size
        self.lease = lease
        self.clock = clock
        self.stop = stop or threading.Event()

    def step(self) -> int:
        """One round: a batch sent and the reports collected; how much work was done."""
        return self.send_batch() + self.collect()

    def send_batch(self) -> int:
        with transaction(self.sessions) as session:
            claim = sending.claim(
                session,
                worker=self.name,
                now=self.clock(),
                limit=self.batch_size,
                lease=self.lease,
                resolve=self._can_query,
            )
        resolved = self._resolve(claim.unresolved)
        if not claim.messages:
            return claim.settled + resolved
        with transaction(self.sessions) as session:  # the STOP barrier, again, just before
            stopped = sending.opted_out_among(session, messages=claim.messages)
        results = self._submit([m for m in claim.messages if m.id not in stopped])
        held = [m for m in claim.messages if m.id in stopped]
        self._commit(lambda s: sending.record(s, results=results, now=self.clock(), stopped=held))
        return claim.settled + resolved + len(claim.messages)

    @property
    def _can_query(self) -> bool:
        return Capability.QUERY_STATUS in self.gateway.capabilities

    def _submit(self, messages: list[Claimed]) -> list[tuple[Claimed, SubmitResult]]:
        if not messages:
            return []
        outbound = [Outbound(m.key, m.to, m.body) for m in messages]
        ids = {m.key: m.id for m in messages}

        def note(accepted: Sequence[Accepted]) -> None:
            """Ids learned while the batch goes on, written at once (see `resolve`)."""
            try:
                with transaction(self.sessions) as session:
                    sending.note_accepted(session, accepted=[(ids[a.key], a) for a in accepted])
            except RETRY_DB as exc:  # the batch's record writes them anyway
                log.warning("could not write the ids accepted so far: %s", exc)

        try:
            answers = self.gateway.submit(
                outbound, now=self.clock(), accepted=note if self._can_query else None
            )
        except GatewayUnavailable as exc:
            log.warning("gateway unavailable: %s", exc)
            answers = [exc.refusal(m.key) for m in outbound]
        return list(zip(messages, answers, strict=True))

    def _resolve(self, unresolved: list[tuple[Claimed, tuple[str, ...]]]) -> int:
        """Ask the carrier about messages whose outcome is unknown and whose ids are known,
        and record what it says; when it cannot be asked now, they are asked about again
        when their new lease runs out."""
        if not unresolved:
            return 0
        try:
            states = cast(Queryable, self.gateway).query(
                [gid for _, ids in unresolved for gid in ids], now=self.clock()
            )
        except GatewayUnavailable as exc:
            log.warning("cannot ask the gateway about unknown outcomes: %s", exc)
            return 0
        found = [(m, {gid: states[gid] for gid in ids}) for m, ids in unresolved]
        self._commit(lambda s: sending.resolve(s, found=found, now=self.clock()))
        return len(unresolved)

    def collect(self) -> int:
        """Apply the reports and inbound messages the gateway has, then acknowledge them."""
        now = self.clock()
        found = self.gateway.collect(now=now)
        if not found:
            return 0

        def apply(session: Session) -> None:
            at = self.clock()  # each try's own time: an opt-out is dated when it is written
            sending.apply_reports(session, reports=found.reports, now=at)
            for inbound in found.inbound:
                sending.receive(session, inbound=inbound, now=at)

        if self._commit(apply):
            self.gateway.ack(found.receipts(), now=self.clock())
        return len(found)

    def _commit(self, work: Callable[[Session], object]) -> bool:
        """Run `work` in a transaction; after a dropped connection again, with a growing
        pause, until it commits (True) or a lease's time has passed (False)."""
        deadline = time.monotonic() + self.lease.total_seconds()
        pause = 0.05
        while True:
            try:
                with transaction(self.sessions) as session:
                    work(session)
                return True
            except RETRY_DB as exc:
                if time.monotonic() + pause > deadline:
                    log.error("gave up writing to the database: %s", exc)
                    return False
                log.warning("database write failed, trying again: %s", exc)
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def review_registrations(self) -> int:
        """Apply the 10DLC reviewer's decisions that have come due; how many."""
        if self.reviewer is None:
            return 0
        with transaction(self.sessions) as session:
            return compliance.review_due(session, reviewer=self.reviewer, now=self.clock())

    def housekeeping(self) -> None:
        """What runs every few seconds: due 10DLC decisions, reports waited for too long."""
        self.review_registrations()
        with transaction(self.sessions) as session:
            sending.forget_pending(session, now=self.clock())

    def run(
        self,
        stop: threading.Event | None = None,
        *,
        idle: float = 0.2,
        review_every: float = 5.0,
    ) -> None:
        """Work until `stop` is set; sleep `idle` seconds when there is nothing to do, and
        do the housekeeping every `review_every` seconds."""
        stop = stop or self.stop
        log.info("worker %s started", self.name)
        next_review = 0.0
        while not stop.is_set():
            try:
                busy = self.step()
                if time.monotonic() >= next_review:
                    next_review = time.monotonic() + review_every
                    self.housekeeping()
            except Exception:  # a bad round must not end the worker; the lease covers it
                log.exception("worker round failed")
                busy = 0
            if not busy:
                stop.wait(idle)
        log.info("worker %s stopped", self.name)

    def drain(self, *, timeout: float = 30.0) -> None:
        """Work until nothing is due now, or until stopped (tests, benchmarks, `--once`)."""
        deadline = time.monotonic() + timeout
        while not self.stop.is_set() and self.step():
            if time.monotonic() > deadline:
                raise TimeoutError("the queue did not drain in time")
