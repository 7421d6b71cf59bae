"""What a message costs: segments x credits per segment for the recipient's country.

The rate card is the catalog's `countries`; a region not on it is unsupported and never priced.
`estimate` is what every surface shows before sending: the segments of the text, the credits
per country and the total, and apart, each group the send would not charge: invalid numbers,
repeats, unsupported countries, US numbers without an approved 10DLC registration, numbers
opted out of the account (in that order, the order the send checks them). Recipients are
counted once per number (two spellings of one number are one recipient). The account's
opt-outs and registration come from `messages.estimate`, which every surface calls.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from smsaddon.catalog import Catalog, Country
from smsaddon.errors import UnsupportedCountry
from smsaddon.phones import PhoneNumber, Rejected, normalize_many, region_name
from smsaddon.segments import Encoding, count_segments


@dataclass(frozen=True)
class CountryCost:
    code: str
    name: str
    recipients: int
    credits_per_segment: int
    credits: int  # recipients x segments x credits_per_segment


@dataclass(frozen=True)
class Unsupported:
    """A valid number in a country that is not on the rate card: never priced, never sent."""

    given: str
    e164: str
    region: str
    country: str


@dataclass(frozen=True)
class Estimate:
    catalog_version: str
    encoding: Encoding
    units: int
    segments: int  # per message
    countries: tuple[CountryCost, ...]  # by country name
    recipients: int  # distinct numbers priced
    duplicates: int  # inputs that repeated a number already counted
    total_credits: int
    invalid: tuple[Rejected, ...]
    unsupported: tuple[Unsupported, ...]
    unregistered: tuple[str, ...] = ()  # US numbers: the 10DLC campaign is not approved
    opted_out: tuple[str, ...] = ()  # numbers that said STOP to the account
    excluded: dict[str, int] = field(default_factory=dict)  # group -> recipients not charged


def rate_for(catalog: Catalog, region: str) -> Country:
    """The rate card entry of `region` (ISO alpha-2); UnsupportedCountry when it has none."""
    country = catalog.country(region)
    if country is None:
        raise UnsupportedCountry(
            f"{region_name(region)} ({region}) is not a supported country: "
            "messages to it cannot be sent.",
            region=region,
        )
    return country


def supported_countries(catalog: Catalog, query: str | None = None) -> list[Country]:
    """The rate card sorted by name; with `query`, only the countries whose name, code or
    calling code matches it (case and accents ignored; "+44" finds the +44 countries)."""
    countries = sorted(catalog.countries, key=lambda c: _folded(c.name))
    if not query or not query.strip():
        return countries
    wanted = _folded(query.strip())
    if wanted.startswith("+"):
        return [c for c in countries if c.calling_code == wanted[1:]]
    return [
        c
        for c in countries
        if wanted in _folded(c.name) or wanted == c.code.casefold() or wanted == c.calling_code
    ]


def estimate(
    catalog: Catalog,
    text: str,
    recipients: Iterable[str],
    *,
    default_region: str | None = None,
    segment_cap: int | None = None,
    unregistered: Callable[[str], bool] = lambda region: False,
    opted_out: Collection[str] = frozenset(),
) -> Estimate:
    """The cost of sending `text` to every number in `recipients`, before sending it.

    `unregistered(region)`: messages to the region need a registration the account lacks;
    `opted_out`: E.164 numbers opted out of the account. Raises InvalidMessage for an empty
    text or one over the segment cap (None: the catalog's). Numbers without + are read in
    `default_region`."""
    count = count_segments(text, segment_cap=_cap(catalog, segment_cap))
    given = list(recipients)
    seen: set[str] = set()
    by_country: dict[str, int] = {}
    invalid: list[Rejected] = []
    unsupported: list[Unsupported] = []
    needs_registration: list[str] = []
    stopped: list[str] = []
    for raw, number in zip(
        given, normalize_many(given, default_region=default_region), strict=True
    ):
        if isinstance(number, Rejected):
            invalid.append(number)
            continue
        if number.e164 in seen:
            continue
        seen.add(number.e164)
        if catalog.country(number.region) is None:
            unsupported.append(_unsupported(raw, number))
        elif unregistered(number.region):
            needs_registration.append(number.e164)
        elif number.e164 in opted_out:
            stopped.append(number.e164)
        else:
            by_country[number.region] = by_country.get(number.region, 0) + 1
    rows = [_row(rate_for(catalog, code), n, count.segments) for code, n in by_country.items()]
    rows.sort(key=lambda row: _folded(row.name))
    duplicates = len(given) - len(invalid) - len(seen)
    groups = (
        ("invalid", len(invalid)),
        ("duplicate", duplicates),
        ("unsupported", len(unsupported)),
        ("unregistered", len(needs_registration)),
        ("opted_out", len(stopped)),
    )
    return Estimate(
        catalog_version=catalog.version,
        encoding=count.encoding,
        units=count.units,
        segments=count.segments,
        countries=tuple(rows),
        recipients=sum(by_country.values()),
        duplicates=duplicates,
        total_credits=sum(row.credits for row in rows),
        invalid=tuple(invalid),
        unsupported=tuple(unsupported),
        unregistered=tuple(needs_registration),
        opted_out=tuple(stopped),
        excluded={group: n for group, n in groups if n},
    )


def _cap(catalog: Catalog, segment_cap: int | None) -> int:
    return catalog.sms_addon.segment_cap if segment_cap is None else segment_cap


def _row(country: Country, recipients: int, segments: int) -> CountryCost:
    return CountryCost(
        code=country.code,
        name=country.name,
        recipients=recipients,
        credits_per_segment=country.credits_per_segment,
        credits=recipients * segments * country.credits_per_segment,
    )


def _unsupported(raw: str, number: PhoneNumber) -> Unsupported:
    return Unsupported(raw, number.e164, number.region, region_name(number.region))


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
