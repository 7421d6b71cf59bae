"""One row per figure, each beside a baseline measured in the same run."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    name: str  # what was measured
    figure: float
    unit: str  # "msg/s", "spends/s", "s", "ms"
    baseline_name: str
    baseline: float
    target: str  # e.g. ">= 5x baseline", "< 3 s"
    met: bool


def timed(fn: Callable[[], object]) -> float:
    """Seconds taken by one call of fn."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def format_figure(value: float, unit: str) -> str:
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}"
