# ruff: noqa: RUF001  (look-alike characters are what these tests are about)
"""The segmenter against the npm `sms-segments-calculator` (tests/oracle), as an oracle.

One long-lived node process (tests/oracle/segments.js) answers a JSON line per text, so
thousands of generated examples stay quick. Encoding, units and segment count must agree on
every generated text.

Where the calculator and the brief part ways, the brief wins, and the generated alphabets
leave those inputs out (the last tests below pin each difference down):

1. Grapheme clusters. The calculator splits graphemes with grapheme-splitter 1.0.4, which
   follows the Unicode 10 rules; the brief means today's extended grapheme clusters (`regex`
   \\X). They differ on an emoji modifier after a non-emoji ("a🏻"), ZWJ sequences whose parts
   were not "Glue_After_Zwj" in Unicode 10 ("❤️‍🔥", "🧑‍🤝‍🧑", "🐕‍🦺") and Indic conjuncts
   (Unicode 15.1, "क्ष"). So the emoji and script tokens here are whole clusters both agree on,
   and a bare ZWJ, modifier or virama is never generated on its own.
2. Clusters too long for a part. The calculator puts a cluster that fits no segment into one
   overflowing segment, and moves the tail of the first part into the second without checking
   that it fits, so clusters of 34 or more UTF-16 units give segments over 134 octets. The
   brief's rule cuts such a cluster between code points. Generated clusters stay short:
   combining marks come only inside tokens, at most three after their base letter.
3. An empty text: the calculator says 1 GSM-7 segment; the brief refuses it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsaddon.errors import InvalidMessage
from smsaddon.segments import GSM_BASIC, GSM_EXTENSION, count_segments
from tests.kernel.test_segments import VECTORS

ORACLE_DIR = Path(__file__).parents[1] / "oracle"


class Oracle:
    """The npm calculator in one node process, one JSON line in and one out per text."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", "segments.js"],
            cwd=ORACLE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def count(self, text: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"text": text}) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


def oracle_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: the npm segment calculator cannot run"
    if not (ORACLE_DIR / "node_modules" / "sms-segments-calculator").is_dir():
        return "tests/oracle/node_modules is missing: run `make test-deps` (npm ci)"
    return None


def running_oracle() -> Iterator[Oracle]:
    """The oracle process for a fixture; a skip with the reason if it cannot run (a failure
    under CI=true, where it must)."""
    reason = oracle_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    process = Oracle()
    yield process
    process.close()


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    yield from running_oracle()


def ours(text: str) -> dict[str, Any]:
    count = count_segments(text, segment_cap=None)
    return {"encoding": count.encoding, "units": count.units, "segments": count.segments}


def theirs(oracle: Oracle, text: str) -> dict[str, Any]:
    answer = oracle.count(text)
    return {key: answer[key] for key in ("encoding", "units", "segments")}


ALPHABETS: dict[str, list[str]] = {
    "gsm basic": list(GSM_BASIC),
    "gsm extension": list(GSM_EXTENSION),
    "line breaks": ["\r\n", "\n", "\r", "\f"],
    "latin outside gsm": list("çáíóúâêôãõëïÿœšžłńőűČ`\t\x1b"),
    "greek": list("ΔΦΓΛΩΠΨΣΘΞΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβγδεω"),
    "typography": list("‘’“”‚„–—…\u00a0\u2009•«»€™©"),
    "cyrillic and cjk": list("ЖжЯяЁё中文字日本語한국어漢"),
    "other scripts": [
        "각",
        "\u1100\u1161\u11a8",  # conjoining jamo: one cluster
        "ที่",
        "กำ",
        "نَ",
        "بّ",
        "שָׁ",
        "कि",
        "ஷ்",
        "a\u20dd",
    ],
    "emoji": [
        "\U0001f600",
        "\U0001f44d",
        "\U0001f44d\U0001f3fd",
        "\U0001f44b\U0001f3ff",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
        "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f48b\u200d\U0001f468",
        "\U0001f1fa\U0001f1f8",
        "\U0001f1ec\U0001f1e7",
        "\U0001f1fa",  # a lone regional indicator pairs with its neighbour the same way in both
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        "\U0001f3f3\ufe0f\u200d\U0001f308",
        "\U0001f469\U0001f3fd\u200d\U0001f4bb",
        "\U0001f9d4\u200d\u2642\ufe0f",
        "\U0001f937\U0001f3fb\u200d\u2642\ufe0f",
        "1\ufe0f\u20e3",
        "\u2764\ufe0f",
        "\u00a9\ufe0f",
    ],
    "combining marks": ["e\u0301", "a\u0308\u0301", "o\u0327\u0301\u0308", "n\u0303"],
}
TRICKY = [token for name, tokens in ALPHABETS.items() if name != "gsm basic" for token in tokens]
# Lengths around the 67/70, 153/160 boundaries and their multiples.
NEAR_BOUNDARIES = [n + d for n in (67, 70, 134, 153, 160, 201, 306, 459) for d in range(-3, 4)]


@st.composite
def mixed_texts(draw: st.DrawFn) -> str:
    """Tokens drawn from one to four alphabets, of any length up to 480 tokens."""
    names = draw(st.lists(st.sampled_from(sorted(ALPHABETS)), min_size=1, max_size=4, unique=True))
    tokens = [token for name in names for token in ALPHABETS[name]]
    size = draw(st.one_of(st.integers(1, 480), st.sampled_from(NEAR_BOUNDARIES)))
    return "".join(draw(st.lists(st.sampled_from(tokens), min_size=size, max_size=size)))


@st.composite
def boundary_probes(draw: st.DrawFn) -> str:
    """Plain text with one to three tricky tokens placed where a boundary may fall."""
    filler = draw(st.sampled_from(["a", "中", "é", "€"]))
    text = filler * draw(st.sampled_from(NEAR_BOUNDARIES))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(TRICKY)) + text[at:]
    return text


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=st.one_of(mixed_texts(), boundary_probes()))
def test_agrees_with_the_npm_calculator(oracle: Oracle, text: str) -> None:
    # Given a generated text from tricky alphabets, when both count it,
    # then encoding, units and segments are the same.
    assert ours(text) == theirs(oracle, text), repr(text)


def test_hand_made_vectors_agree_with_the_npm_calculator(oracle: Oracle) -> None:
    for name, text, *_ in VECTORS:
        assert ours(text) == theirs(oracle, text), name


# Where the calculator differs from the brief (see the module docstring) ----------------------


def test_differs_on_an_emoji_modifier_after_a_letter(oracle: Oracle) -> None:
    # "a🏻" is one cluster today; grapheme-splitter (Unicode 10) splits it, so at a boundary
    # the calculator moves only the modifier: 66 + "a" | "🏻" ... while we move "a🏻" whole.
    text = "a" * 65 + "a\U0001f3fb" + "a" * 65
    assert ours(text) == {"encoding": "UCS-2", "units": 133, "segments": 3}
    assert theirs(oracle, text) == {"encoding": "UCS-2", "units": 133, "segments": 2}


def test_differs_on_a_zwj_sequence_newer_than_unicode_10(oracle: Oracle) -> None:
    heart_on_fire = "\u2764\ufe0f\u200d\U0001f525"  # 5 units, one cluster today
    text = "a" * 64 + heart_on_fire + "a" * 65
    assert ours(text) == {"encoding": "UCS-2", "units": 134, "segments": 3}
    assert theirs(oracle, text) == {"encoding": "UCS-2", "units": 134, "segments": 2}


def test_differs_on_long_clusters(oracle: Oracle) -> None:
    # 30 letters then two clusters of 40 units (a letter with 39 combining marks): the second
    # cluster cannot share a part with the first (80 > 67), so we need 3 segments; the
    # calculator moves the first cluster into part 2 and adds the second without checking,
    # giving 2 segments, one of them 80 units (160 octets, more than an SMS holds).
    cluster = "a" + "\u0301" * 39
    text = "b" * 30 + cluster * 2
    assert ours(text) == {"encoding": "UCS-2", "units": 110, "segments": 3}
    assert theirs(oracle, text) == {"encoding": "UCS-2", "units": 110, "segments": 2}


def test_differs_on_an_empty_text(oracle: Oracle) -> None:
    assert theirs(oracle, "") == {"encoding": "GSM-7", "units": 0, "segments": 1}
    with pytest.raises(InvalidMessage, match="empty"):
        count_segments("")
