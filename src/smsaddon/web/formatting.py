"""Money, numbers and dates for people (Babel, en_US). Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, get_currency_precision

LOCALE = "en_US"


def money(amount: int, currency: str) -> str:
    """Minor units as a price: money(2900, "USD") == "$29.00"."""
    digits = get_currency_precision(currency)
    return format_currency(Decimal(amount).scaleb(-digits), currency, locale=LOCALE)


def number(value: int) -> str:
    return format_decimal(value, locale=LOCALE)


def day(moment: datetime) -> str:
    """A UTC instant as a calendar date: "December 10, 2026"."""
    return format_date(moment.astimezone(UTC).date(), format="long", locale=LOCALE)


def moment(value: datetime) -> str:
    """A UTC instant with its time: "December 10, 2026 at 12:30 PM UTC"."""
    return format_datetime(
        value.astimezone(UTC), "MMMM d, y 'at' h:mm a 'UTC'", tzinfo=UTC, locale=LOCALE
    )


def per_interval(interval: str) -> str:
    return "per year" if interval == "annual" else "per month"


def interval_name(interval: str) -> str:
    return "Billed annually" if interval == "annual" else "Billed monthly"


def any_of(items: list[str]) -> str:
    """["Plus", "Professional", "Enterprise"] -> "Plus, Professional, or Enterprise"."""
    return format_list(items, style="or", locale=LOCALE)
