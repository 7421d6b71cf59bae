"""Sign-in throttling: too many failed attempts for one email, or from one client address,
make the next attempts wait.

Failures are counted in a sliding window. The counts live in this process's memory: with
several web processes each one counts on its own (a shared store would count them together).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_TRACKED_KEYS = 50_000


@dataclass
class LoginThrottle:
    per_email: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_at(self, *, email: str, address: str, now: datetime) -> datetime | None:
        """When the next attempt may be made, or None if it may be made now."""
        with self._lock:
            waits = [
                self._blocked_until(key, limit, now) for key, limit in self._keys(email, address)
            ]
        return max((w for w in waits if w is not None), default=None)

    def failed(self, *, email: str, address: str, now: datetime) -> None:
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_KEYS:
                self._forget_old(now)
            for key, _limit in self._keys(email, address):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, *, email: str) -> None:
        with self._lock:
            self._failures.pop(_email_key(email), None)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()

    def _keys(self, email: str, address: str) -> list[tuple[str, int]]:
        return [(_email_key(email), self.per_email), (f"address:{address}", self.per_address)]

    def _blocked_until(self, key: str, limit: int, now: datetime) -> datetime | None:
        failures = self._failures.get(key)
        if not failures:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if len(failures) < limit:
            return None
        return failures[-limit] + self.window

    def _forget_old(self, now: datetime) -> None:
        for key in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]:
            del self._failures[key]


def _email_key(email: str) -> str:
    return f"email:{email.strip().lower()}"
