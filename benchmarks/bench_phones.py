"""Number normalization: numbers per second, against a plain phonenumbers loop.

The baseline is what a contact import would do one number at a time: parse, is_valid_number,
region_code_for_number and format to E.164. `normalize_many` gives the same answers, with its
caches cleared before each timed pass. Two seeded lists: a realistic import (numbers from 17
regions in mixed spellings, 2% invalid, a third of the entries repeating a contact already in
the list, often spelt differently) and one where every entry is distinct.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from benchmarks.common import Row
from smsaddon.phones import PhoneNumber, clear_caches, normalize_many

REGIONS = ["US", "US", "US", "CA", "PR", "GB", "GG", "DE", "FR", "ES", "IT", "AU", "NZ", "IN"]
REGIONS += ["BR", "MX", "JP", "RU", "KZ"]
DEFAULT_REGION = "US"
SIZE = 20_000
SEED = 7


def _numbers(rng: random.Random, count: int) -> list[phonenumbers.PhoneNumber]:
    """Valid mobile numbers: each region's example number with its last digits varied."""
    found: list[phonenumbers.PhoneNumber] = []
    while len(found) < count:
        region = rng.choice(REGIONS)
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        assert example is not None
        digits = str(example.national_number)
        varied = digits[:-4] + f"{rng.randrange(10_000):04d}"
        number = phonenumbers.parse(f"+{example.country_code}{varied}")
        if phonenumbers.is_valid_number(number):
            found.append(number)
    return found


def _spelling(rng: random.Random, number: phonenumbers.PhoneNumber) -> str:
    """One of the ways people type a number: E.164, international, or national (US only)."""
    roll = rng.random()
    if roll < 0.4:
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if roll < 0.8 or number.country_code != 1:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def contact_list(size: int, repeats: float, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    distinct = _numbers(rng, int(size * (1 - repeats)))
    entries = [_spelling(rng, n) for n in distinct]
    entries += [_spelling(rng, rng.choice(distinct)) for _ in range(size - len(entries))]
    for i in rng.sample(range(size), size // 50):
        entries[i] = rng.choice(["+1 555 555 01", "n/a", "+44 7700 900123", "12345", ""])
    rng.shuffle(entries)
    return entries


def plain_loop(entries: list[str]) -> list[tuple[str, str] | None]:
    out: list[tuple[str, str] | None] = []
    for raw in entries:
        try:
            number = phonenumbers.parse(raw, DEFAULT_REGION)
        except NumberParseException:
            out.append(None)
            continue
        if number.extension or not phonenumbers.is_valid_number(number):
            out.append(None)
            continue
        region = phonenumbers.region_code_for_number(number) or "ZZ"
        out.append((phonenumbers.format_number(number, PhoneNumberFormat.E164), region))
    return out


def ours(entries: list[str]) -> list[tuple[str, str] | None]:
    clear_caches()
    return [
        (n.e164, n.region) if isinstance(n, PhoneNumber) else None
        for n in normalize_many(entries, default_region=DEFAULT_REGION)
    ]


Answers = list[tuple[str, str] | None]


def per_second(fn: Callable[[list[str]], Answers], entries: list[str]) -> tuple[float, Answers]:
    best, result = float("inf"), []
    for _ in range(3):
        start = time.perf_counter()
        result = fn(entries)
        best = min(best, time.perf_counter() - start)
    return len(entries) / best, result


def run() -> list[Row]:
    rows = []
    # With repeats the caches save whole look-ups; with none, both do the same phonenumbers
    # work (ours skips one region look-up), so the honest target there is parity.
    cases = (("a third repeats", 1 / 3, 1.0), ("all distinct", 0.0, 0.9))
    for label, repeats, factor in cases:
        entries = contact_list(SIZE, repeats)
        figure, answers = per_second(ours, entries)
        baseline, expected = per_second(plain_loop, entries)
        same = answers == expected
        rows.append(
            Row(
                name=f"number normalization, {SIZE:,} entries, {label}"
                + ("" if same else " (ANSWERS DIFFER)"),
                figure=figure,
                unit="numbers/s",
                baseline_name="phonenumbers parse + is_valid + region, per number",
                baseline=baseline,
                target=("> baseline" if factor == 1.0 else f">= {factor}x baseline")
                + ", same answers",
                met=same and figure > factor * baseline,
            )
        )
    return rows
