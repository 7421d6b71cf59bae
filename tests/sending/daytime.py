"""Numbers in a supported country where it is daytime now, for tests on the real clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import phonenumbers
from phonenumbers import PhoneNumberType

from smsaddon.catalog import Catalog
from smsaddon.phones import PhoneNumber, normalize_many
from smsaddon.sms.quiet_hours import allowed, time_zones_for

US = {"US", "PR", "GU", "VI", "AS", "MP", "UM", "CA"}


def daytime_numbers(catalog: Catalog, count: int, now: datetime) -> list[str]:
    """`count` distinct valid mobile numbers of one supported country (not the US) where
    quiet hours allow sending for the next hour."""
    for country in catalog.countries:
        if country.code in US:
            continue
        example = phonenumbers.example_number_for_type(country.code, PhoneNumberType.MOBILE)
        if example is None:
            continue
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        zones = time_zones_for(e164)
        if not all(allowed(now + timedelta(minutes=m), zones) for m in (0, 30, 60)):
            continue
        stem = e164[:-4]
        candidates = [f"{stem}{i:04d}" for i in range(10_000)]
        good = [
            n.e164
            for n in normalize_many(candidates)
            if isinstance(n, PhoneNumber)
            and time_zones_for(n.e164) == zones
            and n.e164[-4:] not in _SPECIAL
        ]
        if len(good) >= count:
            return good[:count]
    raise RuntimeError("no supported country is in its daytime now")


_SPECIAL = {"0000", "0001", "0002", "0003"}  # the simulator's special endings
