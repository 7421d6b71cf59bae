"""Segment counting: messages per second, against the npm `sms-segments-calculator`.

Both sides count the same seeded corpus in the same run: mostly short GSM-7 marketing texts,
some long ones, some with extension characters, accents, curly quotes or emoji. The npm side
runs in one node process (tests/oracle/segments.js) and times itself with process.hrtime, so
node's start-up and the JSON transfer are not counted against it. Every text is also checked
for agreement (encoding, units, segments); the row is met only at 100% agreement.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Row
from smsaddon.segments import count_segments

ORACLE_DIR = Path(__file__).resolve().parent.parent / "tests" / "oracle"
CORPUS_SIZE = 5000
SEED = 4

NAMES = ["Anna", "Bob", "Chloé", "Dmitri", "Eve", "Jürgen", "Ngozi", "Sam"]
SHORT = [
    "Hi {name}, your order #{n} has shipped! Track it: https://ex.co/t/{code}",
    "{name}, your code is {n}. It expires in 10 minutes.",
    "Reminder: your appointment is tomorrow at 10:30. Reply C to confirm, STOP to opt out.",
    "Flash sale! 20% off everything today only with code {code}. Shop: https://ex.co/s",
    "Thanks {name}! We received your payment of $42.50. Receipt: https://ex.co/r/{code}",
    "Your table for 2 is booked for Friday 8pm. See you soon!",
    "{name}, your parcel is at the pick-up point until {n}/11. Bring ID.",
]
EXTRA = [
    " Price: 25€ (was 40€).",
    " [Members only]",
    " Reply YES to join {code}~{n}.",
    " It\u2019s our biggest sale of the year\u2026",
    " \u201cBest deal\u201d \u2013 guaranteed.",
    " 🎉",
    " See you soon 👋🏽",
    " Merci, ça marche !",
    " 🇬🇧🇫🇷 shipping included",
    " Ваш заказ готов.",
]
PARAGRAPH = (
    "Dear {name}, thank you for being a loyal customer. This month we are giving every "
    "member early access to the new collection, free delivery on orders over $30 and a "
    "birthday gift. Visit https://ex.co/members/{code} to see your offers, or reply HELP "
    "for help and STOP to unsubscribe. "
)


def corpus(size: int = CORPUS_SIZE, seed: int = SEED) -> list[str]:
    """A seeded corpus: ~70% short GSM-7, ~12% long, the rest with look-alikes or emoji."""
    rng = random.Random(seed)
    texts = []
    for _ in range(size):
        fields = {
            "name": rng.choice(NAMES),
            "n": rng.randint(10, 99999),
            "code": "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=6)),
        }
        roll = rng.random()
        if roll < 0.70:
            text = rng.choice(SHORT)
        elif roll < 0.82:
            text = PARAGRAPH * rng.randint(1, 3)
        else:
            text = rng.choice(SHORT) + rng.choice(EXTRA)
            if rng.random() < 0.3:
                text = PARAGRAPH + text
        texts.append(text.format(**fields))
    return texts


class Calculator:
    """The npm calculator in one node process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", "segments.js"],
            cwd=ORACLE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def ours_per_second(texts: list[str], min_seconds: float = 1.0) -> float:
    for text in texts:  # warm-up
        count_segments(text, segment_cap=None)
    done, start = 0, time.perf_counter()
    while True:
        for text in texts:
            count_segments(text, segment_cap=None)
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def theirs_per_second(calculator: Calculator, texts: list[str]) -> float:
    calculator.ask({"bench": texts[:500], "rounds": 1})  # warm-up (JIT)
    answer = calculator.ask({"bench": texts, "rounds": 1})
    return float(answer["messages"]) / float(answer["seconds"])


def disagreements(calculator: Calculator, texts: list[str]) -> int:
    wrong = 0
    for text in texts:
        count = count_segments(text, segment_cap=None)
        theirs = calculator.ask({"text": text})
        if (count.encoding, count.units, count.segments) != (
            theirs["encoding"],
            theirs["units"],
            theirs["segments"],
        ):
            wrong += 1
    return wrong


def run() -> list[Row]:
    texts = corpus()
    name = f"segment counting, {len(texts):,} seeded messages"
    baseline_name = "npm sms-segments-calculator (timed inside node, start-up excluded)"
    if shutil.which("node") is None or not (ORACLE_DIR / "node_modules").is_dir():
        figure = ours_per_second(texts)
        return [Row(f"{name} (npm side missing)", figure, "msg/s", baseline_name, 0.0, "", False)]
    calculator = Calculator()
    try:
        wrong = disagreements(calculator, texts)
        baseline = theirs_per_second(calculator, texts)
    finally:
        calculator.close()
    figure = ours_per_second(texts)
    agreement = "100% agree" if wrong == 0 else f"{wrong} DISAGREE"
    return [
        Row(
            name=f"{name}, {agreement}",
            figure=figure,
            unit="msg/s",
            baseline_name=baseline_name,
            baseline=baseline,
            target=">= 5x baseline, 100% agree",
            met=wrong == 0 and figure >= 5 * baseline,
        )
    ]
