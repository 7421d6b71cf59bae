"""Quiet hours: messages go between 08:00 and 21:00 in the recipient's local time.

A number's time zones come from `phonenumbers` (an Australian mobile has eight). Where there
are several, the most conservative rule applies: a moment is allowed only when it is allowed
in every one of them. A message due outside the window waits for the next allowed moment.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezone

START = time(8, 0)
END = time(21, 0)
UNKNOWN = "Etc/Unknown"


@lru_cache(maxsize=1 << 16)
def time_zones_for(e164: str) -> str:
    """The number's IANA time zones, space-separated ("" when none is known)."""
    found = phone_timezone.time_zones_for_number(phonenumbers.parse(e164))
    return " ".join(sorted(z for z in found if z != UNKNOWN and _zone(z) is not None))


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zones(time_zones: str) -> list[ZoneInfo]:
    return [z for z in (_zone(name) for name in time_zones.split()) if z is not None]


def allowed(moment: datetime, time_zones: str) -> bool:
    """Whether `moment` is inside quiet-hours' window in every one of the zones."""
    return all(_inside(moment, zone) for zone in _zones(time_zones))


def next_allowed(moment: datetime, time_zones: str) -> datetime:
    """`moment` if it is allowed, else the earliest allowed moment after it (UTC)."""
    zones = _zones(time_zones)
    candidate = moment
    for _ in range(8):  # each step moves to a window start; a few suffice
        late = [zone for zone in zones if not _inside(candidate, zone)]
        if not late:
            return candidate
        candidate = max(_next_start(candidate, zone) for zone in late)
    # The zones' windows never overlap (a spread over 13 hours): follow the first zone alone.
    return moment if not zones or _inside(moment, zones[0]) else _next_start(moment, zones[0])


def _inside(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone).time()
    return START <= local < END


def _next_start(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    day = local.date() if local.time() < START else local.date() + timedelta(days=1)
    start = datetime.combine(day, START, tzinfo=zone)
    return start.astimezone(moment.tzinfo)
