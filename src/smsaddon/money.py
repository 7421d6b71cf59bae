"""Money as integer minor units plus an ISO 4217 currency. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units (cents)
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError(f"money amount must be an int of minor units, got {self.amount!r}")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"currency must be an ISO 4217 code like 'USD', got {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")


def round_half_up(value: Fraction) -> int:
    """Round an exact fraction to the nearest integer, halves away from zero."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * rest >= magnitude.denominator:
        whole += 1
    return sign * whole


def prorate(price: Money, used_seconds: int, total_seconds: int) -> Money:
    """`price` x used/total, computed exactly and rounded once, half-up, to the minor unit."""
    if total_seconds <= 0:
        raise ValueError("a period must last more than zero seconds")
    if not 0 <= used_seconds <= total_seconds:
        raise ValueError(f"{used_seconds} s is not within a {total_seconds} s period")
    return Money(
        round_half_up(Fraction(price.amount * used_seconds, total_seconds)), price.currency
    )
