"""Several requests at once: one submission wins, the others are told it is under review; a
due decision is applied once however many pages look at the registration together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from smsaddon import compliance
from smsaddon.audit import AuditEntry
from smsaddon.db import transaction
from smsaddon.errors import Conflict
from tests.fixtures.compliance import OWNER, Demo

RUNS = 6


def together(work: Callable[[], object]) -> list[object]:
    """Run `work` in RUNS threads released at once; each result or the exception it raised."""
    start = threading.Barrier(RUNS)
    results: list[object] = []
    lock = threading.Lock()

    def run() -> None:
        start.wait()
        try:
            outcome: object = work()
        except Exception as exc:  # collected for the assertions
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def audit_actions(demo: Demo) -> list[str]:
    with transaction(demo.sessions) as session:
        return [row.action for row in session.query(AuditEntry).order_by(AuditEntry.id)]


def test_concurrent_submissions_submit_once(demo: Demo) -> None:
    demo.drafts()
    results = together(demo.submit)
    submitted = [r for r in results if isinstance(r, compliance.RegistrationStatus)]
    assert len(submitted) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r not in submitted), results
    assert demo.status().submissions == 1
    assert audit_actions(demo).count("registration.submitted") == 1


def test_a_due_decision_is_applied_once(demo: Demo) -> None:
    demo.drafts()
    demo.submit()
    reviewer = compliance.SimulatedReviewer(delay=timedelta(0))
    account_id = demo.account_id(OWNER)

    def look() -> int:
        with transaction(demo.sessions) as session:
            return compliance.review_due(
                session, reviewer=reviewer, now=demo.now, account_id=account_id
            )

    results = together(look)
    assert sorted(results) == [0] * (RUNS - 1) + [1], results  # type: ignore[type-var]
    assert demo.status().status == "approved"
    assert audit_actions(demo).count("registration.approved") == 1
