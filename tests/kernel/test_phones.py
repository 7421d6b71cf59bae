"""Phone numbers: E.164 and the number's own region, and why a number is refused."""

from __future__ import annotations

import pytest

from smsaddon.errors import InvalidPhoneNumber, ValidationFailed
from smsaddon.phones import (
    PhoneNumber,
    Rejected,
    normalize,
    normalize_many,
    region_name,
)


@pytest.mark.parametrize(
    ("given", "e164", "region"),
    [
        ("+1 415 555 2671", "+14155552671", "US"),
        ("+1 (416) 555-0199", "+14165550199", "CA"),
        ("+1 604 555 0123", "+16045550123", "CA"),
        ("+44 7400 123456", "+447400123456", "GB"),
        ("+44 20 7946 0018", "+442079460018", "GB"),
        ("+353 85 123 4567", "+353851234567", "IE"),
        ("+61 412 345 678", "+61412345678", "AU"),
        ("+64 21 123 4567", "+64211234567", "NZ"),
        ("+49 1512 3456789", "+4915123456789", "DE"),
        ("+33 6 12 34 56 78", "+33612345678", "FR"),
        ("+34 612 34 56 78", "+34612345678", "ES"),
        ("+31 6 12345678", "+31612345678", "NL"),
        ("+39 06 1234 5678", "+390612345678", "IT"),  # Italian leading zero kept
        ("+39 312 345 6789", "+393123456789", "IT"),
        ("+91 98765 43210", "+919876543210", "IN"),
        ("+81 90 1234 5678", "+819012345678", "JP"),
        ("+55 11 91234 5678", "+5511912345678", "BR"),
        ("+52 55 1234 5678", "+525512345678", "MX"),
        ("+27 82 123 4567", "+27821234567", "ZA"),
        ("+65 8123 4567", "+6581234567", "SG"),
        ("+86 138 0013 8000", "+8613800138000", "CN"),
        ("+234 803 123 4567", "+2348031234567", "NG"),
        ("tel:+1-415-555-2671", "+14155552671", "US"),
        ("  +14155552671  ", "+14155552671", "US"),
    ],
)
def test_valid_numbers_from_many_regions(given: str, e164: str, region: str) -> None:
    # Given a number in international format, when normalized,
    # then it is E.164 and carries the region it belongs to.
    number = normalize(given)
    assert number == PhoneNumber(e164, region, number.calling_code)
    assert e164.startswith(f"+{number.calling_code}")


@pytest.mark.parametrize(
    ("given", "region"),
    [
        ("+1 415 555 2671", "US"),
        ("+1 416 978 2011", "CA"),
        ("+1 787 234 5678", "PR"),
        ("+1 671 555 1234", "GU"),
        ("+1 340 555 1234", "VI"),
        ("+1 684 733 1234", "AS"),
        ("+1 268 464 1234", "AG"),
        ("+1 242 357 1234", "BS"),
    ],
)
def test_plus_one_resolves_to_each_nanp_region(given: str, region: str) -> None:
    # Calling code +1 is shared by 25 regions: each number is priced by its own.
    number = normalize(given)
    assert (number.calling_code, number.region) == (1, region)


@pytest.mark.parametrize(
    ("given", "region"),
    [
        ("+44 7400 123456", "GB"),
        ("+44 7781 123456", "GG"),
        ("+44 7797 712345", "JE"),
        ("+44 1534 123456", "JE"),
        ("+44 7624 123456", "IM"),
        ("+44 1624 756789", "IM"),
        ("+7 912 345 67 89", "RU"),
        ("+7 495 123 45 67", "RU"),
        ("+7 701 234 5678", "KZ"),
        ("+7 727 258 3456", "KZ"),
    ],
)
def test_shared_calling_codes_44_and_7(given: str, region: str) -> None:
    assert normalize(given).region == region


@pytest.mark.parametrize(
    ("given", "default_region", "e164", "region"),
    [
        ("(415) 555-2671", "US", "+14155552671", "US"),
        ("415.555.2671", "us", "+14155552671", "US"),
        ("7872345678", "US", "+17872345678", "PR"),  # the default region reads it; PR owns it
        ("4155552671", "CA", "+14155552671", "US"),
        ("07400 123456", "GB", "+447400123456", "GB"),
        ("07781 123456", "GB", "+447781123456", "GG"),
        ("8 912 345-67-89", "RU", "+79123456789", "RU"),
        ("0412 345 678", "AU", "+61412345678", "AU"),
        ("021 123 4567", "NZ", "+64211234567", "NZ"),
        ("01512 3456789", "DE", "+4915123456789", "DE"),
        ("00 44 7400 123456", "FR", "+447400123456", "GB"),  # French international prefix
        ("011 44 7400 123456", "US", "+447400123456", "GB"),  # North American one
        ("+61 412 345 678", "US", "+61412345678", "AU"),  # a + wins over the default
    ],
)
def test_numbers_without_plus_use_the_default_region(
    given: str, default_region: str, e164: str, region: str
) -> None:
    number = normalize(given, default_region=default_region)
    assert (number.e164, number.region) == (e164, region)


@pytest.mark.parametrize(
    ("given", "default_region", "reason"),
    [
        ("4155552671", None, "it has no country code and no default region was given"),
        ("+44 7700 900123", None, "it is not a number in use in +44 (United Kingdom, Guernsey"),
        ("+1 555 555 0100", None, "it is not a number in use in +1 (United States and the 24"),
        ("+1415", None, "it is too short for +1 (United States"),
        ("415555", "US", "it is too short for +1 (United States"),
        ("+49 123", None, "it is too short for +49 (Germany): no area code?"),
        ("+1 415 555 26710", None, "it is too long for +1 (United States"),
        ("+44 7400 1234567", None, "it is too long for +44 (United Kingdom, Guernsey"),
        ("+7 912 345 67 89 01", None, "it has the wrong number of digits for +7 (Russia or"),
        ("+999 123 4567", None, "it does not start with a known country code"),
        ("+800 1234 5678", None, "it is a non-geographic number (+800), which belongs to no"),
        ("+1 415 555 2671 ext. 12", None, "it has an extension (12); SMS cannot reach one"),
        ("call me", "US", "it does not look like a phone number"),
        ("   ", "US", "it is empty"),
        ("00", "GB", "it is too short after the international prefix"),
    ],
)
def test_invalid_numbers_say_what_was_given_and_why(
    given: str, default_region: str | None, reason: str
) -> None:
    # Given a number that cannot be used, when normalized,
    # then InvalidPhoneNumber names the input and the reason.
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize(given, default_region=default_region)
    error = caught.value
    assert error.code == "invalid_phone_number" and error.status == 422
    assert error.message.startswith(f"{given!r} is not a valid phone number: {reason}")
    assert error.details["given"] == given
    assert error.details["reason"].startswith(reason)


def test_unknown_default_region_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="'XX' is not a region code"):
        normalize("4155552671", default_region="XX")
    with pytest.raises(ValidationFailed, match="'USA' is not a region code"):
        normalize_many(["4155552671"], default_region="USA")


def test_normalize_many_keeps_the_order_and_lists_the_refused() -> None:
    # Given a list with repeats, other spellings and bad entries, when normalized in bulk,
    # then each input has its answer, in order, the same as one at a time.
    given = ["+1 415 555 2671", "(415) 555-2671", "oops", "+1 787 234 5678", "+1 415 555 2671"]
    result = normalize_many(given, default_region="US")
    us = PhoneNumber("+14155552671", "US", 1)
    assert result == [
        us,
        us,
        Rejected("oops", "it does not look like a phone number"),
        PhoneNumber("+17872345678", "PR", 1),
        us,
    ]
    for raw, answer in zip(given, result, strict=True):
        if isinstance(answer, PhoneNumber):
            assert normalize(raw, default_region="US") == answer


def test_region_names_are_english() -> None:
    assert [region_name(r) for r in ("GG", "JE", "IM", "PR", "KZ")] == [
        "Guernsey",
        "Jersey",
        "Isle of Man",
        "Puerto Rico",
        "Kazakhstan",
    ]
