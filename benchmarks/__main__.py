"""`make bench`: every benchmark, one table. `python -m benchmarks NAME ...` runs some."""

from __future__ import annotations

import importlib
import sys

from rich.console import Console
from rich.table import Table

from benchmarks.common import Row, format_figure

# Each module has `run() -> list[Row]`.
MODULES = [
    "benchmarks.bench_segments",
    "benchmarks.bench_phones",
    "benchmarks.bench_spend",
    "benchmarks.bench_renewal",
    "benchmarks.bench_api",
    "benchmarks.bench_sending",
]


def main(selected: list[str]) -> int:
    rows: list[Row] = []
    for name in MODULES:
        if selected and not any(s in name for s in selected):
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        rows.extend(module.run())
    table = Table(title="smsaddon benchmarks")
    for column in ("benchmark", "figure", "baseline", "baseline figure", "target", "met"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.name,
            format_figure(row.figure, row.unit),
            row.baseline_name,
            format_figure(row.baseline, row.unit),
            row.target,
            "yes" if row.met else "NO",
        )
    Console(width=160).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
