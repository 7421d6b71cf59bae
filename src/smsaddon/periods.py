"""Billing and credit periods from a subscription's anchor. Pure.

Boundary n is the anchor moved n months (or 12n for years) with the day clamped to the
month's length, always computed from the anchor, never by chaining from the previous boundary.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Interval(StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"

    @property
    def months(self) -> int:
        return 1 if self is Interval.MONTHLY else 12


@dataclass(frozen=True, slots=True)
class Period:
    index: int
    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def require_aware(moment: datetime, name: str = "time") -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {moment.isoformat()}")


def add_months(anchor: datetime, months: int) -> datetime:
    """The anchor moved by whole months, the day clamped to the target month's length."""
    require_aware(anchor, "anchor")
    month_index = anchor.month - 1 + months
    year = anchor.year + month_index // 12
    month = month_index % 12 + 1
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return anchor.replace(year=year, month=month, day=day)


def boundary(anchor: datetime, months_per_period: int, index: int) -> datetime:
    return add_months(anchor, months_per_period * index)


def period_at(anchor: datetime, months_per_period: int, moment: datetime) -> Period:
    """The period (counted from 0 at the anchor) that contains `moment`."""
    require_aware(moment, "moment")
    if moment < anchor:
        raise ValueError(f"{moment.isoformat()} is before the anchor {anchor.isoformat()}")
    months_apart = (moment.year - anchor.year) * 12 + (moment.month - anchor.month)
    index = max(0, months_apart // months_per_period)
    # The estimate is exact or one too high (when the clamped day/time has not come yet).
    while boundary(anchor, months_per_period, index) > moment:
        index -= 1
    while boundary(anchor, months_per_period, index + 1) <= moment:
        index += 1
    return period(anchor, months_per_period, index)


def period(anchor: datetime, months_per_period: int, index: int) -> Period:
    return Period(
        index=index,
        start=boundary(anchor, months_per_period, index),
        end=boundary(anchor, months_per_period, index + 1),
    )


def credit_period_at(anchor: datetime, moment: datetime) -> Period:
    """Credit periods are always months from the anchor."""
    return period_at(anchor, 1, moment)


def billing_period_at(anchor: datetime, interval: Interval, moment: datetime) -> Period:
    return period_at(anchor, interval.months, moment)
