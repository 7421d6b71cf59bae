"""Sender numbers behind one seam: a `NumberProvider` hands out a number in a country.

`SimulatedPool` (the default) hands out the first free number of a fixed list per country.
A real provider is called by the entrypoint before its transaction, with the numbers
already taken; the unique index on sender_numbers.e164 settles any race.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from smsaddon.errors import Conflict, ValidationFailed


class NumberProvider(Protocol):
    @property
    def name(self) -> str:
        """The provider's name, kept with each number."""
        ...

    def countries(self) -> Sequence[str]:
        """The countries numbers can be had in (ISO 3166-1 alpha-2)."""
        ...

    def provision(self, *, country: str, taken: Collection[str]) -> str:
        """A number (E.164) in `country` that is not in `taken`."""
        ...


def _pool(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{n:02d}" for n in range(count))


DEFAULT_POOL: Mapping[str, tuple[str, ...]] = {
    "US": _pool("+141555501", 20) + _pool("+120255501", 20) + _pool("+131255501", 20),
    "CA": _pool("+161355501", 20),
}


@dataclass(frozen=True)
class SimulatedPool:
    numbers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_POOL)
    name: str = "simulated"

    def countries(self) -> Sequence[str]:
        return tuple(self.numbers)

    def provision(self, *, country: str, taken: Collection[str]) -> str:
        if country not in self.numbers:
            raise ValidationFailed(
                f"Sender numbers are available in {', '.join(self.numbers)}, not {country}.",
                field="country",
            )
        for number in self.numbers[country]:
            if number not in taken:
                return number
        raise Conflict(f"There is no free sender number in {country} right now.", country=country)
