"""Rate limiting per API token (and per address for requests without a valid one): a token
bucket for each, kept in this process's memory.

Each token may make `burst` requests at once and `rate` requests a second on average. With
several web processes each one limits on its own (a shared store would limit them together).
Settings: SMSADDON_API_RATE (requests a second, default 20) and SMSADDON_API_BURST
(default 40), in `config.Settings`.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

MAX_TRACKED = 100_000


@dataclass
class TokenBuckets:
    rate: float  # tokens added a second
    burst: int  # the bucket's size
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # key: (level, at)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, now: float) -> int:
        """Take one token for `key` at monotonic time `now`: 0 if taken, else the whole
        seconds to wait before one is there."""
        with self._lock:
            level, at = self._buckets.get(key, (float(self.burst), now))
            level = min(float(self.burst), level + (now - at) * self.rate)
            if level < 1:
                self._buckets[key] = (level, now)
                return max(1, math.ceil((1 - level) / self.rate))
            if len(self._buckets) >= MAX_TRACKED and key not in self._buckets:
                self._forget_full(now)
            self._buckets[key] = (level - 1, now)
            return 0

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have filled up again: they are as good as new ones."""
        refill = self.burst / self.rate
        for key in [k for k, (_, at) in self._buckets.items() if now - at >= refill]:
            del self._buckets[key]
