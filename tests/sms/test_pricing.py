"""The rate card and the cost estimate shown before sending."""

from __future__ import annotations

import pytest

from smsaddon.catalog import Catalog
from smsaddon.errors import InvalidMessage, UnsupportedCountry
from smsaddon.phones import Rejected
from smsaddon.sms.pricing import (
    CountryCost,
    Estimate,
    Unsupported,
    estimate,
    rate_for,
    supported_countries,
)


@pytest.mark.parametrize(
    ("region", "credits"),
    [("US", 1), ("CA", 3), ("GB", 5), ("AU", 4), ("NZ", 10), ("PR", 1), ("GG", 5), ("KZ", 12)],
)
def test_known_market_rates(catalog: Catalog, region: str, credits: int) -> None:
    assert rate_for(catalog, region).credits_per_segment == credits


def test_a_country_not_on_the_card_is_unsupported(catalog: Catalog) -> None:
    # Given Russia, which is not on the rate card, when its rate is asked,
    # then UnsupportedCountry names the country.
    with pytest.raises(UnsupportedCountry) as caught:
        rate_for(catalog, "RU")
    assert caught.value.message == (
        "Russia (RU) is not a supported country: messages to it cannot be sent."
    )
    assert caught.value.details == {"region": "RU"}
    assert caught.value.code == "unsupported_country"


def test_the_card_covers_at_least_40_markets_sorted_by_name(catalog: Catalog) -> None:
    countries = supported_countries(catalog)
    names = [c.name for c in countries]
    assert len(countries) == 48
    assert names[:3] == ["Argentina", "Australia", "Austria"]
    assert names[-3:] == ["United Arab Emirates", "United Kingdom", "United States"]
    assert names == sorted(names, key=str.casefold)


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("+44", ["GG", "IM", "JE", "GB"]),
        ("44", ["GG", "IM", "JE", "GB"]),
        ("zeal", ["NZ"]),
        ("NZ", ["NZ"]),
        ("czech", ["CZ"]),
        ("LAND", ["FI", "IS", "IE", "NL", "NZ", "PL", "CH", "VI"]),
        ("islands", ["VI"]),
        ("", None),
        ("atlantis", []),
    ],
)
def test_search_the_supported_countries(
    catalog: Catalog, query: str, codes: list[str] | None
) -> None:
    found = [c.code for c in supported_countries(catalog, query)]
    if codes is None:
        assert len(found) == 48
    else:
        assert found == codes


def test_price_of_one_message(catalog: Catalog) -> None:
    # 153 "]" take 3 segments; New Zealand costs 10 credits a segment.
    result = estimate(catalog, "]" * 153, ["+64 21 123 4567"])
    assert (result.encoding, result.units, result.segments) == ("GSM-7", 306, 3)
    assert result.countries == (CountryCost("NZ", "New Zealand", 1, 10, 30),)
    assert result.total_credits == 30
    russia = estimate(catalog, "hi", ["+7 912 345 67 89"])
    assert (russia.total_credits, [u.region for u in russia.unsupported]) == (0, ["RU"])


def test_estimate_per_country_with_invalid_and_unsupported_apart(catalog: Catalog) -> None:
    # Given a 2-segment UCS-2 text and recipients in four supported countries, one number
    # twice (spelt two ways), one in Russia and one invalid, when estimated,
    # then each country has its row, the total adds them, and the rest are listed apart.
    text = "Hello 😀 " + "a" * 70
    recipients = [
        "+1 415 555 2671",
        "(415) 555-2671",
        "+1 416 555 0199",
        "+1 787 234 5678",
        "+44 7400 123456",
        "+44 7400 123457",
        "+7 912 345 67 89",
        "12",
    ]
    result = estimate(catalog, text, recipients, default_region="US")
    assert result == Estimate(
        catalog_version="2026-11",
        encoding="UCS-2",
        units=79,
        segments=2,
        countries=(
            CountryCost("CA", "Canada", 1, 3, 6),
            CountryCost("PR", "Puerto Rico", 1, 1, 2),
            CountryCost("GB", "United Kingdom", 2, 5, 20),
            CountryCost("US", "United States", 1, 1, 2),
        ),
        recipients=5,
        duplicates=1,
        total_credits=30,
        invalid=(
            Rejected(
                "12", "it is too short for +1 (United States and the 24 other regions sharing it)"
            ),
        ),
        unsupported=(Unsupported("+7 912 345 67 89", "+79123456789", "RU", "Russia"),),
        excluded={"invalid": 1, "duplicate": 1, "unsupported": 1},
    )


def test_estimate_with_no_recipients_costs_nothing(catalog: Catalog) -> None:
    result = estimate(catalog, "hi", [])
    assert (result.segments, result.countries, result.total_credits) == (1, (), 0)


def test_numbers_without_plus_and_no_default_region_are_invalid(catalog: Catalog) -> None:
    result = estimate(catalog, "hi", ["4155552671"])
    assert result.total_credits == 0
    assert [r.given for r in result.invalid] == ["4155552671"]
    assert "no default region" in result.invalid[0].reason


def test_estimate_refuses_an_empty_text_and_one_over_the_cap(catalog: Catalog) -> None:
    with pytest.raises(InvalidMessage, match="empty"):
        estimate(catalog, "", ["+14155552671"])
    # The catalog's cap is 10 segments; 1,531 GSM characters take 11.
    with pytest.raises(InvalidMessage, match="takes 11 segments; the limit is 10"):
        estimate(catalog, "a" * 1531, ["+14155552671"])
    result = estimate(catalog, "a" * 1531, ["+14155552671"], segment_cap=11)
    assert (result.segments, result.total_credits) == (11, 11)
