"""Money, counts, plurals, dates and times for people: one place for the web pages, the command
line and the audit log (Babel, en_US). Times are shown in a time zone (an IANA name: the
account's); UTC stays available for hover titles and exports. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.core import Locale
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
)

LOCALE = "en_US"
DEFAULT_ZONE = "UTC"


def money(amount: int, currency: str) -> str:
    """Minor units as a price: money(2900, "USD") == "$29.00"."""
    digits = get_currency_precision(currency)
    return format_currency(Decimal(amount).scaleb(-digits), currency, locale=LOCALE)


def number(value: int) -> str:
    """number(1500) == "1,500"."""
    return format_decimal(value, locale=LOCALE)


def count(value: int, singular: str, plural: str | None = None) -> str:
    """A number and its noun, agreeing: "1 credit", "1,500 credits", "3 contacts"."""
    noun = singular if Locale.parse(LOCALE).plural_form(abs(value)) == "one" else None
    return f"{number(value)} {noun or plural or singular + 's'}"


def percent(part: int, whole: int) -> str:
    """percent(2, 3) == "67%" (whole percents); "—" of nothing."""
    return format_percent(Decimal(part) / whole, locale=LOCALE) if whole else "—"


def day(moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """The calendar date of an instant in a time zone: "December 10, 2026"."""
    return format_date(moment.astimezone(time_zone(zone)).date(), format="long", locale=LOCALE)


def moment(value: datetime, zone: str = DEFAULT_ZONE) -> str:
    """An instant in a time zone: "December 10, 2026 at 7:30 AM EST"."""
    return format_datetime(value, "MMMM d, y 'at' h:mm a z", tzinfo=time_zone(zone), locale=LOCALE)


def short_moment(value: datetime, zone: str = DEFAULT_ZONE) -> str:
    """An instant in a time zone, compact for tables: "2026-12-10 07:30 EST"."""
    return format_datetime(value, "yyyy-MM-dd HH:mm z", tzinfo=time_zone(zone), locale=LOCALE)


def utc(value: datetime) -> str:
    """An instant in UTC, for hover titles: "2026-12-10 12:30:05 UTC"."""
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def per_interval(interval: str) -> str:
    return "per year" if interval == "annual" else "per month"


def interval_name(interval: str) -> str:
    return "Billed annually" if interval == "annual" else "Billed monthly"


def any_of(items: list[str]) -> str:
    """["Plus", "Professional", "Enterprise"] -> "Plus, Professional, or Enterprise"."""
    return format_list(items, style="or", locale=LOCALE)


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name people pick from ("America/New_York"), sorted, and UTC."""
    regional = (name for name in available_timezones() if "/" in name)
    canonical = sorted(n for n in regional if not n.startswith(("Etc/", "SystemV/", "US/")))
    return (DEFAULT_ZONE, *canonical)


def is_time_zone(name: str) -> bool:
    return name in time_zones()


@cache
def time_zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
