"""A short soak (about 30 s of faults) inside `make test`; `make soak` runs the long one."""

from __future__ import annotations

from tests.soak.run import MUST_BE_ZERO, run


def test_sending_holds_under_kills_cut_connections_and_stops(pg_url: str) -> None:
    counts = run(30, seed_value=7)
    assert counts.queued > 0 and counts.worker_kills + counts.serve_kills > 0
    assert {label: counts.checks[label] for label in MUST_BE_ZERO} == dict.fromkeys(MUST_BE_ZERO, 0)
    assert counts.checks["delivered"] > 0
