"""What commands print: tables that fit the terminal, user text made harmless, and JSON.

Tables fit the terminal's width (`COLUMNS`, 80 when not a terminal): when they cannot, the
least important columns are left out (named in the caption; `--json` has them all), and
the rest wrap at spaces, or fold a long word onto the next line; no cell is ever cut.

Text that came from people (names, reasons, token names) is printed as typed: Rich markup in
it is not interpreted (a token named "[/]" stays "[/]"), and control characters such as the
escape that starts a terminal sequence are shown as visible escapes ("\\x1b").
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import typer
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from smsaddon.cli.app import console

# Bidirectional overrides can make a name display as something else.
LONGEST_WORD = 24  # a longer word (a URL) folds onto the next line rather than widen its column
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def visible(value: object) -> str:
    """`value` as text with every control character written as an escape."""
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) == "Cc" or char in _BIDI
        else char
        for char in str(value)
    )


def safe(value: object) -> str:
    """User text to put inside a message that Rich prints: no markup, no control codes."""
    return escape(visible(value))


@dataclass(frozen=True)
class Column:
    header: str
    drop: int = 0  # 0: always shown; otherwise left out first when the terminal is narrow
    justify: Literal["left", "right"] = "left"


def table(
    columns: Sequence[Column], rows: Iterable[Sequence[object]], *, title: str | None = None
) -> Table:
    """A table that fits the console: columns dropped by priority, cells never cut."""
    cells = [[visible(cell) for cell in row] for row in rows]
    shown = list(range(len(columns)))
    while (widths := _widths(columns, cells, shown)) is None:
        droppable = [i for i in shown if columns[i].drop]
        if not droppable:  # even the essential columns are too wide: Rich folds them
            widths = [None] * len(shown)
            break
        shown.remove(max(droppable, key=lambda i: (columns[i].drop, i)))
    built = Table(title=title and visible(title), title_justify="left")
    for index, width in zip(shown, widths, strict=True):
        column = columns[index]
        built.add_column(column.header, justify=column.justify, overflow="fold", width=width)
    for row in cells:
        built.add_row(*(Text(row[i]) for i in shown))
    hidden = [column.header for i, column in enumerate(columns) if i not in shown]
    if hidden:
        built.caption = f"Not shown at this width: {', '.join(hidden)} (see --json)."
    return built


def _widths(
    columns: Sequence[Column], cells: list[list[str]], shown: list[int]
) -> list[int | None] | None:
    """The shown columns' widths, or None if they cannot fit without breaking words: each
    gets its longest word (up to LONGEST_WORD), then the room left is shared out."""
    texts = [[columns[i].header, *(row[i] for row in cells)] for i in shown]
    least = [min(max(_longest(t, str.split) for t in column), LONGEST_WORD) for column in texts]
    most = [
        max(low, *(_longest(t, str.splitlines) for t in column))
        for low, column in zip(least, texts, strict=True)
    ]
    room = console.width - (3 * len(shown) + 1)  # a border and two spaces of padding each
    if sum(least) > room:
        return None
    widths, left = list(least), room - sum(least)
    while left > 0 and (growing := [n for n, w in enumerate(widths) if w < most[n]]):
        share = max(1, left // len(growing))
        for n in growing:
            step = min(share, most[n] - widths[n], left)
            widths[n] += step
            left -= step
    return list(widths)


def _longest(text: str, split: Callable[[str], list[str]]) -> int:
    return max((cell_len(part) for part in split(text)), default=0)


def emit_json(value: Any) -> None:
    """One JSON document on stdout; instants as ISO 8601 in UTC."""
    typer.echo(json.dumps(value, default=_jsonable, ensure_ascii=False))


def emit_json_lines(rows: Iterable[Any]) -> None:
    """One JSON document per line (a listing, one row each)."""
    for row in rows:
        emit_json(row)


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
