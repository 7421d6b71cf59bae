"""The one formatting module: money, counts, plurals, dates and times in a time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smsaddon import formatting

NOON = datetime(2026, 12, 10, 12, 30, 5, tzinfo=UTC)


def test_money_is_written_with_its_symbol_and_cents() -> None:
    assert formatting.money(581, "USD") == "$5.81"
    assert formatting.money(150_000, "USD") == "$1,500.00"
    assert formatting.money(0, "USD") == "$0.00"
    assert formatting.money(2900, "EUR") == "€29.00"
    assert formatting.money(500, "JPY") == "¥500"  # no minor unit


def test_counts_have_thousands_separators_and_agree_with_their_noun() -> None:
    assert formatting.number(1500) == "1,500"
    assert formatting.count(1, "credit") == "1 credit"
    assert formatting.count(0, "credit") == "0 credits"
    assert formatting.count(1500, "credit") == "1,500 credits"
    assert formatting.count(-1, "credit") == "-1 credit"
    assert formatting.count(3, "contact") == "3 contacts"
    assert formatting.count(2, "entry", "entries") == "2 entries"


def test_times_are_shown_in_the_zone_given_and_utc_stays_available() -> None:
    assert formatting.moment(NOON) == "December 10, 2026 at 12:30 PM UTC"
    assert formatting.moment(NOON, "America/New_York") == "December 10, 2026 at 7:30 AM EST"
    assert formatting.short_moment(NOON, "Asia/Kolkata") == "2026-12-10 18:00 +0530"
    assert formatting.utc(NOON) == "2026-12-10 12:30:05 UTC"


def test_a_day_is_the_calendar_date_where_the_account_is() -> None:
    midnight = datetime(2026, 12, 19, 0, 0, tzinfo=UTC)
    assert formatting.day(midnight) == "December 19, 2026"
    assert formatting.day(midnight, "America/Los_Angeles") == "December 18, 2026"
    assert formatting.day(midnight, "Pacific/Auckland") == "December 19, 2026"


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"])
def test_iana_names_are_time_zones(zone: str) -> None:
    assert formatting.is_time_zone(zone)


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "utc ", "EST5EDT", "../etc/passwd"])
def test_anything_else_is_not(name: str) -> None:
    assert not formatting.is_time_zone(name)
