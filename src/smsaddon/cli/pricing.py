"""Pricing commands: segments, countries."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from smsaddon import formatting
from smsaddon.cli.app import app, console, context, reported_errors
from smsaddon.errors import InvalidMessage
from smsaddon.segments import CONCATENATED, SINGLE, Analysis, analyze, count_segments
from smsaddon.sms.pricing import supported_countries

CAP = typer.Option(None, "--segment-cap", min=1, help="Segment cap (default: the catalog's).")


@app.command()
def segments(
    text: str | None = typer.Argument(None, help="The message text (omit with --json)."),
    json_lines: bool = typer.Option(
        False,
        "--json",
        help='Read JSON lines {"text": "..."} on stdin; write one JSON line per input, in '
        'order: {"encoding", "units", "segments"} (with "over_limit": true past the segment '
        'cap, which sending refuses) or {"error"}.',
    ),
    segment_cap: int | None = CAP,
) -> None:
    """How a text is sent: encoding, units, segments and the parts, and why it is UCS-2."""
    cap = context().catalog.sms_addon.segment_cap if segment_cap is None else segment_cap
    if json_lines:
        lines: Iterable[str] = [json.dumps({"text": text})] if text is not None else sys.stdin
        for number, line in enumerate(lines, start=1):
            sys.stdout.write(json.dumps(_count_line(line, number, cap), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    if text is None:
        raise typer.BadParameter("give the TEXT, or --json to read JSON lines on stdin")
    with reported_errors():
        _print_analysis(analyze(text, segment_cap=cap))


def _count_line(line: str, number: int, cap: int) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"line {number}: not JSON ({exc.msg})"}
    if not isinstance(request, dict) or not isinstance(request.get("text"), str):
        return {"error": f'line {number}: expected {{"text": "..."}} with a string text'}
    try:
        count = count_segments(request["text"], segment_cap=None)  # any length is counted
    except InvalidMessage as exc:
        return {"error": exc.message}
    counted: dict[str, Any] = {
        "encoding": count.encoding,
        "units": count.units,
        "segments": count.segments,
    }
    if count.segments > cap:  # sending it would be refused
        counted["over_limit"] = True
    return counted


def _print_analysis(result: Analysis) -> None:
    unit = "septets" if result.encoding == "GSM-7" else "UTF-16 code units"
    plural = "" if result.segments == 1 else "s"
    console.print(
        f"[bold]{result.encoding}[/bold], {result.units} {unit}, "
        f"[bold]{result.segments} segment{plural}[/bold]"
    )
    limits = SINGLE if result.segments == 1 else CONCATENATED
    parts = Table(show_lines=True)
    parts.add_column("part", justify="right")
    parts.add_column("units", justify="right")
    parts.add_column("text", overflow="fold")
    for index, part in enumerate(result.parts, start=1):
        parts.add_row(
            str(index), f"{part.units}/{limits[result.encoding]}", escape(_visible(part.text))
        )
    console.print(parts)
    if result.culprits:
        console.print("UCS-2 because of:")
        for culprit in result.culprits:
            names = ", ".join(culprit.names)
            console.print(f"  {escape(culprit.char)}  at {culprit.index}: {escape(names)}")
    smart = result.smart
    if smart is None:
        return
    replaced = formatting.count(len(smart.replacements), "look-alike character")
    if smart.segments_saved > 0:
        console.print(
            f"Smart encoding would replace {replaced} and send "
            f"{formatting.count(smart.after.segments, 'segment')} instead of "
            f"{smart.before.segments} ({smart.after.encoding}), saving {smart.segments_saved}:"
        )
        console.print(f"  {escape(_visible(smart.text))}", highlight=False)
    else:
        console.print(f"Smart encoding could replace {replaced}, but it would not save a segment.")


def _visible(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n\n").replace("\f", "\\f")


@app.command()
def countries(
    search: str | None = typer.Option(
        None, "--search", help="Only names, codes or +codes matching."
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """The supported countries and the credits per SMS segment for each."""
    catalog = context().catalog
    rows = supported_countries(catalog, search)
    if as_json:
        listed = [country.model_dump() for country in rows]
        typer.echo(json.dumps({"catalog_version": catalog.version, "countries": listed}))
        return
    table = Table(title=f"Supported countries (catalog {catalog.version})")
    table.add_column("country")
    table.add_column("code")
    table.add_column("calling code", justify="right")
    table.add_column("credits per segment", justify="right")
    for country in rows:
        table.add_row(
            country.name, country.code, f"+{country.calling_code}", str(country.credits_per_segment)
        )
    console.print(table)
