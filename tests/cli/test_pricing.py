# ruff: noqa: RUF001  (look-alike characters are what these tests are about)
"""`smsaddon segments` and `smsaddon countries`.

The bulk check runs as a real process (one, since the CLI takes seconds to start); the other
commands run in-process through typer's CliRunner.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

import smsaddon.cli  # noqa: F401  (registers every command on the app)
from smsaddon.cli.app import app
from tests.kernel.test_segments import VECTORS
from tests.kernel.test_segments_oracle import ALPHABETS, Oracle, running_oracle

BAD_LINES = [
    (json.dumps({"text": ""}), {"error": "The message is empty: write a text to send."}),
    ("not json", {"error": "line {n}: not JSON (Expecting value)"}),
    (
        json.dumps({"message": "hi"}),
        {"error": 'line {n}: expected {{"text": "..."}} with a string text'},
    ),
    (
        json.dumps({"text": 42}),
        {"error": 'line {n}: expected {{"text": "..."}} with a string text'},
    ),
]


def generated_texts(count: int) -> list[str]:
    """Seeded texts from the oracle test's alphabets (its docstring says what they leave out)."""
    rng = random.Random(20261110)
    names = sorted(ALPHABETS)
    texts = []
    for _ in range(count):
        tokens = [t for name in rng.sample(names, rng.randint(1, 4)) for t in ALPHABETS[name]]
        texts.append("".join(rng.choice(tokens) for _ in range(rng.randint(1, 480))))
    return texts


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    yield from running_oracle()


def test_segments_json_agrees_with_the_calculator_on_every_vector_and_generated_text(
    oracle: Oracle,
) -> None:
    # Given every hand-made boundary vector, 400 generated texts and some bad lines on stdin,
    # when the real `smsaddon segments --json` reads them, then there is one line out per line
    # in, in order: the vectors' exact figures, the npm calculator's figures for all texts,
    # and an error in place of each bad line.
    texts = [text for _, text, *_ in VECTORS] + generated_texts(400)
    lines = [json.dumps({"text": t}) for t in texts]
    bad_at = {len(lines) // 3: 0, len(lines) // 2: 1, 2 * len(lines) // 3: 2, len(lines): 3}
    for at in sorted(bad_at, reverse=True):
        lines.insert(at, BAD_LINES[bad_at[at]][0])
    result = subprocess.run(
        [sys.executable, "-m", "smsaddon", "segments", "--json", "--segment-cap", "100"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        env={**os.environ, "SMSADDON_DATABASE_URL": "sqlite://"},
    )
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(lines)
    counted = []
    for number, (line, answer) in enumerate(zip(lines, answers, strict=True), start=1):
        bad = [expected for text, expected in BAD_LINES if text == line]
        if bad:
            assert answer == {"error": bad[0]["error"].format(n=number)}
        else:
            counted.append(answer)
    assert len(counted) == len(texts)
    for (name, _, encoding, units, segments), answer in zip(VECTORS, counted, strict=False):
        assert answer == {"encoding": encoding, "units": units, "segments": segments}, name
    for text, answer in zip(texts, counted, strict=True):
        expected = oracle.count(text)
        assert answer == {k: expected[k] for k in ("encoding", "units", "segments")}, repr(text)


runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin, env={"COLUMNS": "200"})


def test_segments_json_counts_any_length_and_says_when_it_is_over_the_cap() -> None:
    # The catalog's cap is 10 segments: 1,531 GSM characters take 11, 1,530 take 10.
    stdin = json.dumps({"text": "a" * 1531}) + "\n" + json.dumps({"text": "a" * 1530}) + "\n"
    counted = invoke("segments", "--json", stdin=stdin)
    assert counted.exit_code == 0
    over, at_cap = (json.loads(line) for line in counted.stdout.splitlines())
    assert over == {"encoding": "GSM-7", "units": 1531, "segments": 11, "over_limit": True}
    assert at_cap == {"encoding": "GSM-7", "units": 1530, "segments": 10}
    allowed = invoke("segments", "--json", "--segment-cap", "11", stdin=stdin)
    assert json.loads(allowed.stdout.splitlines()[0]) == {
        "encoding": "GSM-7",
        "units": 1531,
        "segments": 11,
    }


def test_segments_json_with_a_text_argument_answers_for_it() -> None:
    result = invoke("segments", "--json", "]" * 153)
    assert json.loads(result.stdout) == {"encoding": "GSM-7", "units": 306, "segments": 3}


def test_segments_shows_encoding_parts_culprits_and_the_suggestion() -> None:
    result = invoke("segments", "It’s " + "a" * 100)
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "UCS-2, 105 UTF-16 code units, 2 segments" in out
    assert "67/67" in out and "38/67" in out
    assert "at 2: U+2019 RIGHT SINGLE QUOTATION MARK" in out
    assert "send 1 segment instead of 2 (GSM-7), saving 1" in out


def test_segments_of_an_empty_text_fails_with_the_reason() -> None:
    result = invoke("segments", "")
    assert result.exit_code == 1
    assert "error: The message is empty" in result.stderr


def test_countries_table_and_json() -> None:
    table = invoke("countries")
    assert table.exit_code == 0, table.output
    assert "Supported countries (catalog 2026-11)" in table.stdout
    assert "United States" in table.stdout and "New Zealand" in table.stdout

    listed = invoke("countries", "--json")
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    assert data["catalog_version"] == "2026-11"
    assert len(data["countries"]) == 48
    assert data["countries"][0] == {
        "code": "AR",
        "name": "Argentina",
        "calling_code": "54",
        "credits_per_segment": 5,
    }
    rates = {c["code"]: c["credits_per_segment"] for c in data["countries"]}
    assert [rates[c] for c in ("US", "CA", "GB", "AU", "NZ")] == [1, 3, 5, 4, 10]


def test_countries_search() -> None:
    result = invoke("countries", "--search", "+44", "--json")
    assert result.exit_code == 0, result.output
    codes = [c["code"] for c in json.loads(result.stdout)["countries"]]
    assert codes == ["GG", "IM", "JE", "GB"]


@pytest.mark.parametrize("args", [["segments"], ["segments", "--segment-cap", "0", "x"]])
def test_segments_usage_errors(args: list[str]) -> None:
    assert invoke(*args).exit_code == 2
