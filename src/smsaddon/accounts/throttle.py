"""Sign-in throttling, kept in the database so every web process counts together.

Every attempt is counted before its password is checked, per email and per client address,
with one conditional upsert each: it adds the attempt only if the key is not waiting, so
attempts sent at the same time cannot all slip through between a check and a count. The first
few attempts of a key go freely; from then on each one makes the next wait twice as long as
the one before, up to a cap: an account is never locked out for longer than `EMAIL.cap` after
its last attempt, and one address trying many accounts is slowed down on its own. A right
password clears the email's count; a key quiet for a day starts again from nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smsaddon.accounts.models import SignInCounter


@dataclass(frozen=True)
class Limit:
    free: int  # attempts before any wait
    first_wait: timedelta  # the wait after the last free attempt; it doubles with each attempt
    cap: timedelta  # the longest wait


EMAIL = Limit(free=5, first_wait=timedelta(seconds=15), cap=timedelta(minutes=15))
ADDRESS = Limit(free=20, first_wait=timedelta(seconds=15), cap=timedelta(hours=1))
FORGET_AFTER = timedelta(days=1)


def wait_after(attempts: int, limit: Limit) -> timedelta:
    """How long the next attempt waits after the `attempts`-th one."""
    if attempts < limit.free:
        return timedelta(0)
    wait: timedelta = limit.first_wait * 2 ** min(attempts - limit.free, 32)
    return min(wait, limit.cap)


def count_attempt(session: Session, *, email: str, address: str, now: datetime) -> datetime | None:
    """Count one sign-in attempt; None if it may go on to check the password, or when the
    next attempt may be made (nothing more is counted then)."""
    for key, limit in ((_email_key(email), EMAIL), (f"address:{address[:100]}", ADDRESS)):
        attempts = _count(session, key, now)
        if attempts is None:
            return session.scalar(select(SignInCounter.wait_until).where(SignInCounter.key == key))
        wait = wait_after(attempts, limit)
        if wait:
            session.execute(
                update(SignInCounter).where(SignInCounter.key == key).values(wait_until=now + wait)
            )
    return None


def succeeded(session: Session, *, email: str) -> None:
    """The right password: the email's count starts again."""
    session.execute(delete(SignInCounter).where(SignInCounter.key == _email_key(email)))


def _count(session: Session, key: str, now: datetime) -> int | None:
    """The key's attempts with this one, or None when the key must wait (nothing counted)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    counter = SignInCounter.__table__
    statement = (
        dialect.insert(counter)
        .values(key=key, attempts=1, wait_until=now, updated_at=now)
        .on_conflict_do_update(
            index_elements=[counter.c.key],
            set_={
                "attempts": case(
                    (counter.c.updated_at <= now - FORGET_AFTER, 1),
                    else_=counter.c.attempts + 1,
                ),
                "updated_at": now,
            },
            where=counter.c.wait_until <= now,
        )
        .returning(counter.c.attempts)
    )
    return session.execute(statement).scalar_one_or_none()


def _email_key(email: str) -> str:
    return f"email:{email.strip().lower()[:320]}"
