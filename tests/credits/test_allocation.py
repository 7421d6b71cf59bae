"""The ledger's allocation rules: soonest expiry first, splits, shortfalls, write-offs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsaddon.credits.allocation import (
    Bucket,
    Part,
    Release,
    Shortfall,
    allocate,
    allocate_many,
    release,
    spending_order,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def test_the_bucket_that_expires_soonest_pays_first_whatever_the_order_given() -> None:
    buckets = [Bucket(1, day(30), 100), Bucket(2, day(10), 100), Bucket(3, day(20), 100)]

    assert allocate(buckets, 40) == [Part(2, 40)]


def test_buckets_expiring_together_pay_oldest_first() -> None:
    buckets = [Bucket(7, day(10), 5), Bucket(3, day(10), 5)]

    assert allocate(buckets, 7) == [Part(3, 5), Part(7, 2)]


def test_a_cost_larger_than_the_soonest_bucket_is_split_soonest_first() -> None:
    buckets = [Bucket(1, day(30), 100), Bucket(2, day(10), 30), Bucket(3, day(20), 50)]

    assert allocate(buckets, 100) == [Part(2, 30), Part(3, 50), Part(1, 20)]


def test_empty_buckets_are_skipped() -> None:
    buckets = [Bucket(1, day(5), 0), Bucket(2, day(10), 3)]

    assert spending_order(buckets) == [Bucket(2, day(10), 3)]
    assert allocate(buckets, 3) == [Part(2, 3)]


def test_exactly_all_free_credits_can_be_taken() -> None:
    assert allocate([Bucket(1, day(5), 2), Bucket(2, day(6), 3)], 5) == [Part(1, 2), Part(2, 3)]


def test_a_shortfall_says_needed_and_available() -> None:
    with pytest.raises(Shortfall) as refused:
        allocate([Bucket(1, day(5), 2), Bucket(2, day(6), 3)], 6)

    assert (refused.value.needed, refused.value.available) == (6, 5)


def test_no_buckets_means_nothing_available() -> None:
    with pytest.raises(Shortfall) as refused:
        allocate([], 1)

    assert (refused.value.needed, refused.value.available) == (1, 0)


@pytest.mark.parametrize("cost", [0, -1])
def test_a_cost_must_be_positive(cost: int) -> None:
    with pytest.raises(ValueError):
        allocate([Bucket(1, day(5), 10)], cost)


def test_many_costs_continue_through_the_buckets_in_order() -> None:
    buckets = [Bucket(1, day(20), 10), Bucket(2, day(10), 3)]

    assert allocate_many(buckets, [2, 2, 4]) == [
        [Part(2, 2)],
        [Part(2, 1), Part(1, 1)],
        [Part(1, 4)],
    ]


def test_many_costs_are_all_or_nothing() -> None:
    with pytest.raises(Shortfall) as refused:
        allocate_many([Bucket(1, day(20), 10)], [4, 4, 4])

    assert (refused.value.needed, refused.value.available) == (12, 10)


def test_released_credits_return_while_their_bucket_lives() -> None:
    assert release(5, expires_at=day(10), now=day(9)) == Release(returned=5, written_off=0)


@pytest.mark.parametrize("now", [day(10), day(11)])
def test_credits_released_after_their_bucket_expired_are_written_off(now: datetime) -> None:
    assert release(5, expires_at=day(10), now=now) == Release(returned=0, written_off=5)


buckets_strategy = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 20)), min_size=0, max_size=8
).map(lambda rows: [Bucket(i + 1, day(d), free) for i, (d, free) in enumerate(rows)])


@given(buckets_strategy, st.lists(st.integers(1, 30), min_size=1, max_size=6))
def test_allocation_pays_every_cost_exactly_within_each_bucket_soonest_first(
    buckets: list[Bucket], costs: list[int]
) -> None:
    available = sum(b.free for b in buckets)
    if sum(costs) > available:
        with pytest.raises(Shortfall):
            allocate_many(buckets, costs)
        return

    result = allocate_many(buckets, costs)

    assert [sum(p.credits for p in parts) for parts in result] == costs
    taken: dict[int, int] = {}
    for part in (p for parts in result for p in parts):
        assert part.credits > 0
        taken[part.bucket_id] = taken.get(part.bucket_id, 0) + part.credits
    order = spending_order(buckets)
    assert all(taken.get(b.id, 0) <= b.free for b in order)
    # A bucket is touched only once every bucket before it in spending order is empty.
    used = [b for b in order if taken.get(b.id)]
    for bucket in order[: order.index(used[-1])]:
        assert taken.get(bucket.id, 0) == bucket.free
