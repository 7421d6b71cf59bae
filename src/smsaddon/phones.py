"""Phone numbers: parse and validate with `phonenumbers`, to E.164 and the region it belongs to.

The region is the number's own: calling code +1 alone is 25 regions (a Puerto Rico number is PR,
not US), +44 covers GB and the crown dependencies GG, JE and IM, +7 covers RU and KZ. A number
given without a leading + needs a default region to be read in; one that cannot be read, or
reads to a number no region uses, is refused with what was given and why.

Normalize once, when a contact is stored. `normalize_many` is the bulk form for imports and
broadcasts: it caches by input string, and by parsed number for the validation itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import phonenumbers
from babel import Locale
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from smsaddon.errors import InvalidPhoneNumber, ValidationFailed

_CACHE_SIZE: Final = 1 << 16
_NAMES: Final = Locale("en").territories

_PARSE_REASONS: Final = {
    NumberParseException.INVALID_COUNTRY_CODE: "it does not start with a known country code",
    NumberParseException.NOT_A_NUMBER: "it does not look like a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "it is too short",
    NumberParseException.TOO_LONG: "it is too long",
}
_LENGTH_REASONS: Final = {
    ValidationResult.TOO_SHORT: "it is too short for {where}",
    ValidationResult.TOO_LONG: "it is too long for {where}",
    ValidationResult.INVALID_LENGTH: "it has the wrong number of digits for {where}",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "it is too short for {where}: no area code?",
    ValidationResult.INVALID_COUNTRY_CODE: "it does not start with a known country code",
}


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    e164: str  # "+14155552671"
    region: str  # ISO 3166-1 alpha-2 of the number itself: "PR" for +1 787 ...
    calling_code: int


@dataclass(frozen=True, slots=True)
class Rejected:
    """A number that was refused: what was given and why."""

    given: str
    reason: str


def normalize(raw: str, *, default_region: str | None = None) -> PhoneNumber:
    """The E.164 form and region of `raw`. A number without + is read as a number of
    `default_region` (ISO alpha-2). Raises InvalidPhoneNumber naming the input and the reason."""
    result = _normalize(raw, _region(default_region))
    if isinstance(result, Rejected):
        raise InvalidPhoneNumber(
            f"{raw!r} is not a valid phone number: {result.reason}.",
            given=raw,
            reason=result.reason,
        )
    return result


def normalize_many(
    raws: Iterable[str], *, default_region: str | None = None
) -> list[PhoneNumber | Rejected]:
    """`normalize` for a list: one PhoneNumber or Rejected per input, in order."""
    region = _region(default_region)
    return [_normalize(raw, region) for raw in raws]


def region_name(region: str) -> str:
    """The English name of an ISO 3166-1 alpha-2 region ("GG" -> "Guernsey")."""
    return str(_NAMES.get(region, region))


def _region(default_region: str | None) -> str | None:
    if default_region is None or default_region == "":
        return None
    region = default_region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationFailed(
            f"{default_region!r} is not a region code: use ISO 3166-1 alpha-2, such as US or GB.",
            default_region=default_region,
        )
    return region


@lru_cache(maxsize=_CACHE_SIZE)
def _normalize(raw: str, default_region: str | None) -> PhoneNumber | Rejected:
    text = raw.strip()
    if not text:
        return Rejected(raw, "it is empty")
    try:
        number = phonenumbers.parse(text, default_region)
    except NumberParseException as exc:
        ambiguous = default_region is None and not text.lstrip("(").startswith("+")
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE and ambiguous:
            return Rejected(
                raw,
                "it has no country code and no default region was given, so its country "
                "is ambiguous; write it with + and the country code, such as +1 415 555 2671",
            )
        return Rejected(raw, _PARSE_REASONS.get(exc.error_type, "it cannot be read"))
    if number.extension:
        return Rejected(raw, f"it has an extension ({number.extension}); SMS cannot reach one")
    found = _resolve(
        number.country_code,
        number.national_number,
        bool(number.italian_leading_zero),
        number.number_of_leading_zeros or 1,
    )
    if isinstance(found, str):
        return Rejected(raw, found)
    return found


@lru_cache(maxsize=_CACHE_SIZE)
def _resolve(
    calling_code: int, national_number: int, leading_zero: bool, zeros: int
) -> PhoneNumber | str:
    """The valid number and its region, or why not (validation is the costly part, so it is
    cached by the parsed number: "+1 415-555-2671" and "(415) 555 2671" share it)."""
    number = phonenumbers.PhoneNumber(
        country_code=calling_code,
        national_number=national_number,
        italian_leading_zero=leading_zero or None,
        number_of_leading_zeros=zeros if leading_zero else None,
    )
    region = phonenumbers.region_code_for_number(number)
    if region is not None and phonenumbers.is_valid_number_for_region(number, region):
        if region == phonenumbers.UNKNOWN_REGION or region == "001":
            return f"it is a non-geographic number (+{calling_code}), which belongs to no country"
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        return PhoneNumber(e164, region, calling_code)
    where = _where(calling_code)
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible in _LENGTH_REASONS:
        return _LENGTH_REASONS[possible].format(where=where)
    return f"it is not a number in use in {where}"


def _where(calling_code: int) -> str:
    regions = [r for r in phonenumbers.region_codes_for_country_code(calling_code) if r != "001"]
    if not regions:
        return f"+{calling_code}"
    names = [region_name(r) for r in regions]
    if len(names) == 1:
        listed = names[0]
    elif len(names) <= 4:
        listed = ", ".join(names[:-1]) + " or " + names[-1]
    else:
        listed = f"{names[0]} and the {len(names) - 1} other regions sharing it"
    return f"+{calling_code} ({listed})"


def clear_caches() -> None:
    """Forget every cached look-up (for benchmarks measuring a cold start)."""
    _normalize.cache_clear()
    _resolve.cache_clear()
