"""Period boundaries from the anchor, day clamped, never chained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smsaddon.periods import (
    Interval,
    add_months,
    billing_period_at,
    boundary,
    credit_period_at,
)


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=UTC)


def test_anchor_on_the_31st_clamps_each_month_and_returns_to_the_31st() -> None:
    # Given an anchor on Jan 31 (a leap year), when we list the monthly boundaries,
    # then short months clamp and long months get the 31st back (no drift from chaining).
    anchor = at(2024, 1, 31, 15, 30)
    days = [boundary(anchor, 1, n).date().isoformat() for n in range(0, 14)]
    assert days == [
        "2024-01-31",
        "2024-02-29",
        "2024-03-31",
        "2024-04-30",
        "2024-05-31",
        "2024-06-30",
        "2024-07-31",
        "2024-08-31",
        "2024-09-30",
        "2024-10-31",
        "2024-11-30",
        "2024-12-31",
        "2025-01-31",
        "2025-02-28",
    ]
    assert all(boundary(anchor, 1, n).time() == anchor.time() for n in range(40))


@pytest.mark.parametrize(
    ("day", "feb_2025", "feb_2028"),
    [(28, 28, 28), (29, 28, 29), (30, 28, 29), (31, 28, 29)],
)
def test_anchors_on_28th_to_31st_over_several_years(day: int, feb_2025: int, feb_2028: int) -> None:
    anchor = at(2024, 12, day)
    assert add_months(anchor, 2).day == feb_2025  # Feb 2025
    assert add_months(anchor, 38).day == feb_2028  # Feb 2028 (leap)
    assert add_months(anchor, 3).day == day  # Mar 2025 is long again
    for n in range(0, 60):
        b = add_months(anchor, n)
        assert b.day == min(
            day,
            31
            if b.month in (1, 3, 5, 7, 8, 10, 12)
            else 30
            if b.month != 2
            else (29 if b.year % 4 == 0 else 28),
        )


def test_feb_29_anchor_yearly_clamps_to_feb_28_and_back_in_leap_years() -> None:
    anchor = at(2024, 2, 29, 9)
    years = [boundary(anchor, 12, n).date().isoformat() for n in range(0, 5)]
    assert years == ["2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"]


def test_period_at_finds_the_period_containing_a_moment_at_every_edge() -> None:
    anchor = at(2026, 1, 31, 12)
    p = credit_period_at(anchor, at(2026, 2, 28, 11, 59, 59))
    assert (p.index, p.start, p.end) == (0, anchor, at(2026, 2, 28, 12))
    p = credit_period_at(anchor, at(2026, 2, 28, 12))
    assert (p.index, p.start, p.end) == (1, at(2026, 2, 28, 12), at(2026, 3, 31, 12))
    p = credit_period_at(anchor, at(2026, 3, 31, 11, 59, 59))
    assert p.index == 1
    assert credit_period_at(anchor, anchor).index == 0


def test_every_moment_over_years_lies_in_exactly_the_period_found() -> None:
    anchor = at(2023, 8, 30, 23, 59, 59)
    moment = anchor
    while moment < at(2027, 1, 1):
        for interval in Interval:
            p = billing_period_at(anchor, interval, moment)
            assert p.start <= moment < p.end
            assert p.start == boundary(anchor, interval.months, p.index)
        moment += timedelta(hours=37, minutes=11)


def test_annual_billing_periods_hold_twelve_monthly_credit_periods() -> None:
    anchor = at(2025, 3, 31)
    year = billing_period_at(anchor, Interval.ANNUAL, at(2025, 9, 1))
    assert (year.start, year.end) == (at(2025, 3, 31), at(2026, 3, 31))
    months = [credit_period_at(anchor, boundary(anchor, 1, n)) for n in range(12)]
    assert months[0].start == year.start and months[-1].end == year.end


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_months(datetime(2026, 1, 1), 1)  # noqa: DTZ001
    with pytest.raises(ValueError, match="before the anchor"):
        credit_period_at(at(2026, 1, 1), at(2025, 12, 31))
