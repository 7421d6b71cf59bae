"""The command line as a person at an 80-column terminal meets it, run as a real process
against a busy account: listings fit without cutting a cell, people's text is printed as typed
(never as markup or terminal codes), errors say `error: ...` with the documented exit codes,
and times follow the account's time zone."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.fixtures.busy import make_busy
from tests.fixtures.live import live_server

OWNER = "owner@demo.test"
# Every listing command (`--json` gives each of them whole).
LISTINGS = [
    ("credits", "--account", "Demo Co"),
    ("invoices", "--account", "Demo Co"),
    ("countries",),
    ("tokens", "list", "--email", OWNER),
    ("users", "--account", "Demo Co"),
    ("messages", "--account", "Demo Co"),
    ("registration", "status", "--account", "Demo Co"),
    ("audit", "--account", "Demo Co"),
]
# A cell Rich cut short ends in "…" at a border.
CUT = re.compile(r"…\s*[│┃]")
MARKUP = "[link=https://evil.test]click[/link] [/]"
HOSTILE = "\x1b[31mred\x1b[0m " + MARKUP
ESC = "\\u001b[31mred\\u001b[0m"  # as the audit details keep it (JSON)


class Cli:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.env = {**os.environ, "SMSADDON_DATABASE_URL": f"sqlite:///{database}"}

    def __call__(self, *args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "smsaddon", *args],
            env={**self.env, "COLUMNS": str(columns)},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def ok(self, *args: str, columns: int = 80) -> str:
        result = self(*args, columns=columns)
        assert result.returncode == 0, f"smsaddon {' '.join(args)}: {result.stderr}"
        return result.stdout

    def rows(self, *args: str) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.ok(*args, "--json").splitlines()]


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    path = tmp_path_factory.mktemp("cli") / "busy.db"
    with live_server(f"sqlite:///{path}") as server:
        make_busy(server)
    yield Cli(path)


@pytest.mark.parametrize("args", LISTINGS, ids=[" ".join(a[:2]) for a in LISTINGS])
def test_every_listing_fits_80_columns_and_cuts_no_cell(cli: Cli, args: tuple[str, ...]) -> None:
    out = cli.ok(*args)
    too_wide = [line for line in out.splitlines() if cell_len(line) > 80]
    assert too_wide == []
    assert CUT.findall(out) == []
    assert cli(*args, "--json").returncode == 0


def test_the_essential_columns_stay_whole_and_the_hidden_ones_are_named(cli: Cli) -> None:
    out = cli.ok("messages", "--account", "Demo Co")
    for message in cli.rows("messages", "--account", "Demo Co"):
        assert f"│ {message['id']} " in out
        assert str(message["to_e164"]) in out
        assert str(message["status"]) in out
    assert "Not shown at this width: segments, encoding (see --json)." in out
    everything = cli.ok("messages", "--account", "Demo Co", columns=200)
    assert "encoding" in everything and "Not shown" not in everything


def test_the_audit_log_reads_as_sentences(cli: Cli) -> None:
    out = cli.ok("audit", "--account", "Demo Co", columns=200)  # a sentence a line
    assert "Olivia Owner removed the billing permission from Mia Member" in out
    assert "Olivia Owner made Mia Member an admin" in out
    assert "Olivia Owner added 250 credits: “Goodwill after the outage on Tuesday”" in out
    assert "$" in out and "amount=" not in out and "{'" not in out
    raw = cli.rows("audit", "--account", "Demo Co")
    assert {"action", "subject", "details", "created_at"} <= set(raw[0])


def test_text_people_typed_is_printed_as_typed(cli: Cli) -> None:
    # A name with a control character is refused now; one stored before that (here written
    # straight into the database) is still printed as typed, its codes as escapes.
    refused = cli("tokens", "create", "--email", OWNER, "--name", HOSTILE)
    assert refused.returncode == 1
    assert "error: The name has a character that cannot be stored: U+001B" in refused.stderr
    created = cli("tokens", "create", "--email", OWNER, "--name", MARKUP)
    assert created.returncode == 0, created.stderr
    with sqlite3.connect(cli.database) as conn:
        conn.execute("UPDATE api_tokens SET name = ? WHERE name = 'Zapier'", (HOSTILE,))
        conn.execute("UPDATE audit_entries SET details = replace(details, 'Zapier', ?)", (ESC,))
    for args in (("tokens", "list", "--email", OWNER), ("audit", "--account", "Demo Co")):
        result = cli(*args, columns=300)  # a row a line
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout  # no terminal code from a name reaches the screen
        assert MARKUP in result.stdout
        assert "\\x1b[31mred\\x1b[0m" in result.stdout


@pytest.mark.parametrize(
    ("args", "error", "hint"),
    [
        (("credits",), "error: Missing option '--account'.", "See smsaddon credits --help."),
        (
            ("credits", "--account", "Demo", "Co"),
            "error: Got unexpected extra argument(s) (Co)",
            'Put quotes around values with spaces (--account "Demo Co"). '
            "See smsaddon credits --help.",
        ),
        (
            ("users",),
            "error: Invalid value for '--account': name the account whose users to list",
            "See smsaddon users --help.",
        ),
        (
            ("users", "set", "--email", OWNER, "--user", OWNER, "--role", "boss"),
            "error: Invalid value for '--role': admin or user",
            "See smsaddon users set --help.",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_a_hint(
    cli: Cli, args: tuple[str, ...], error: str, hint: str
) -> None:
    result = cli(*args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [error, hint]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("demo", "--password", "demo-password"),
            "error: the demo accounts exist already in this database: add --if-empty to accept "
            "that, or set SMSADDON_DATABASE_URL to a new one",
        ),
        (("credits", "--account", "Nobody Inc"), "error: there is no account named 'Nobody Inc'"),
        (
            ("adjust", "--account", "Annual Co", "--credits", "5", "--reason", "x"),
            "error: owner@demo.test is not a user of Annual Co",
        ),
        (
            ("time-zone", "Europe/Paris", "--email", "member@demo.test"),
            "error: Only the Primary Admin can change the account's time zone.",
        ),
        (
            ("time-zone", "Mars/Olympus", "--email", OWNER),
            "error: 'Mars/Olympus' is not a time zone: use a name like America/New_York or UTC.",
        ),
    ],
)
def test_domain_errors_exit_1_with_error_and_the_reason(
    cli: Cli, args: tuple[str, ...], error: str
) -> None:
    if args[0] == "adjust":
        args = (*args, "--email", OWNER)
    before = cli.ok("audit", "--account", "Demo Co", "--json")
    result = cli(*args)
    assert (result.returncode, result.stdout, result.stderr.strip()) == (1, "", error)
    assert cli.ok("audit", "--account", "Demo Co", "--json") == before


def test_times_follow_the_account_time_zone_and_json_stays_utc(cli: Cli) -> None:
    assert cli.ok("time-zone", "--email", OWNER) == "the time zone of Demo Co is UTC\n"
    changed = cli.ok("time-zone", "America/New_York", "--email", OWNER)
    assert changed == "the time zone of Demo Co is America/New_York\n"
    try:
        [newest] = cli.rows("audit", "--account", "Demo Co", "--limit", "1")
        assert str(newest["created_at"]).endswith("+00:00")
        table = cli.ok("audit", "--account", "Demo Co", "--limit", "1")
        assert re.search(r"\d\d:\d\d (EST|EDT)", table), table
        assert not re.search(r"\d\d:\d\d UTC", table), table
    finally:
        cli.ok("time-zone", "UTC", "--email", OWNER)
