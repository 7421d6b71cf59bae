"""The ledger's allocation rules, as pure functions (nothing from the project is imported).

A bucket is live from `starts_at` (inclusive) to `expires_at` (exclusive). Credits are taken
from the live bucket that expires soonest first (ties: the older bucket, by id), splitting a
cost across buckets when one does not cover it. Credits released after their bucket expired
are written off, never revived.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Bucket:
    id: int
    expires_at: datetime
    free: int  # remaining minus held


@dataclass(frozen=True, slots=True)
class Part:
    bucket_id: int
    credits: int


@dataclass(frozen=True, slots=True)
class Release:
    returned: int  # back to available
    written_off: int  # gone: the bucket expired while the credits were held


class Shortfall(Exception):
    """The buckets do not cover the cost; nothing was allocated."""

    def __init__(self, needed: int, available: int) -> None:
        super().__init__(f"{needed} credits needed, {available} available")
        self.needed = needed
        self.available = available


def spending_order(buckets: Iterable[Bucket]) -> list[Bucket]:
    """The buckets with free credits, soonest expiry first, then oldest."""
    return sorted((b for b in buckets if b.free > 0), key=lambda b: (b.expires_at, b.id))


def allocate(buckets: Iterable[Bucket], cost: int) -> list[Part]:
    """The parts that pay `cost`, soonest-expiring bucket first; Shortfall if not covered."""
    return allocate_many(buckets, [cost])[0]


def allocate_many(buckets: Iterable[Bucket], costs: Sequence[int]) -> list[list[Part]]:
    """Parts for each cost in turn, continuing through the buckets soonest first.

    All or nothing: if the buckets cannot cover the total, Shortfall(total, available).
    """
    if any(cost <= 0 for cost in costs):
        raise ValueError("every cost must be positive")
    order = spending_order(buckets)
    available = sum(b.free for b in order)
    needed = sum(costs)
    if needed > available:
        raise Shortfall(needed, available)
    result: list[list[Part]] = []
    index, left = 0, order[0].free if order else 0
    for cost in costs:
        parts: list[Part] = []
        while cost:
            if left == 0:
                index += 1
                left = order[index].free
            take = min(cost, left)
            parts.append(Part(order[index].id, take))
            cost -= take
            left -= take
        result.append(parts)
    return result


def release(part: int, *, expires_at: datetime, now: datetime) -> Release:
    """A held part let go: back to available while its bucket lives, written off after."""
    if now >= expires_at:
        return Release(returned=0, written_off=part)
    return Release(returned=part, written_off=0)
