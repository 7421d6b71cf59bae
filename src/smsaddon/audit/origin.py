"""Where a request comes from, for the audit log: the entrypoint sets it (the web app the
client's address, the command line "cli"), the services that record read it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ORIGIN: ContextVar[str] = ContextVar("audit_origin", default="system")


def current_origin() -> str:
    return _ORIGIN.get()


@contextmanager
def origin_scope(origin: str) -> Iterator[None]:
    """Everything recorded inside this block comes from `origin`."""
    token = _ORIGIN.set(origin[:100] or "unknown")
    try:
        yield
    finally:
        _ORIGIN.reset(token)
