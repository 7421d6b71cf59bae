from __future__ import annotations

from fractions import Fraction

import pytest

from smsaddon.money import Money, prorate, round_half_up


def test_round_half_up_rounds_halves_away_from_zero_and_only_halves() -> None:
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(7, 2)) == 4  # not banker's rounding
    assert round_half_up(Fraction(249999, 100000)) == 2
    assert round_half_up(Fraction(-5, 2)) == -3


def test_prorate_is_exact_to_the_second_and_rounded_once() -> None:
    # Given $10.00 over a 30-day period, when 1 second of it is left, then 0 cents;
    # half the period gives exactly half; a third rounds 333.33.. to 333.
    month = 30 * 86400
    assert prorate(Money(1000, "USD"), 1, month) == Money(0, "USD")
    assert prorate(Money(1000, "USD"), month // 2, month) == Money(500, "USD")
    assert prorate(Money(1000, "USD"), month // 3, month) == Money(333, "USD")
    assert prorate(Money(1000, "USD"), month, month) == Money(1000, "USD")
    # 1 cent over two halves: 0.5 rounds up to 1
    assert prorate(Money(1, "USD"), 1, 2) == Money(1, "USD")


def test_prorate_refuses_impossible_periods() -> None:
    with pytest.raises(ValueError, match="more than zero"):
        prorate(Money(100, "USD"), 0, 0)
    with pytest.raises(ValueError, match="not within"):
        prorate(Money(100, "USD"), 11, 10)


def test_money_refuses_floats_bad_currencies_and_mixing() -> None:
    with pytest.raises(TypeError):
        Money(10.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(1, "usd")
    with pytest.raises(ValueError, match="cannot combine"):
        Money(1, "USD") + Money(1, "EUR")
    assert Money(150, "USD") - Money(50, "USD") == Money(100, "USD")
