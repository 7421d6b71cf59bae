"""The credit ledger's services, on SQLite and on PostgreSQL.

Each test is its own entrypoint: it opens a transaction per step, as a request would.
Every refusal asserts that nothing changed (every table, row for row).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import credits
from smsaddon.accounts import create_account
from smsaddon.credits import CreditEntry, CreditGrant, CreditHold, GrantSource, HoldState
from smsaddon.db import transaction
from smsaddon.errors import Conflict, InsufficientCredits, NotFound, ValidationFailed
from tests.fixtures.snapshots import snapshot

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
Sessions = sessionmaker[Session]


def later(days: float) -> datetime:
    return NOW + timedelta(days=days)


def new_account(sessions: Sessions, name: str = "Acme") -> tuple[int, int]:
    """(account id, its Primary Admin's user id)"""
    with transaction(sessions) as s:
        account = create_account(
            s,
            name=name,
            owner_email=f"owner@{name.lower()}.test",
            owner_name="Owner",
            password="correct horse",
            now=NOW,
        )
        return account.id, account.users[0].id


def give(
    sessions: Sessions,
    account_id: int,
    amount: int,
    *,
    expires: float = 30,
    starts: float = -1,
    key: str | None = None,
    source: GrantSource = GrantSource.ADDON,
) -> int:
    """Grant a bucket live from `starts` to `expires` days after NOW; its id."""
    with transaction(sessions) as s:
        grant = credits.grant(
            s,
            account_id=account_id,
            credits=amount,
            source=source,
            starts_at=later(starts),
            expires_at=later(expires),
            key=key or f"k{amount}-{expires}-{starts}",
            now=NOW,
        )
        assert grant is not None
        return grant.id


def bucket(sessions: Sessions, grant_id: int) -> tuple[int, int]:
    """(remaining, held) of a bucket"""
    with transaction(sessions) as s:
        row = s.execute(
            select(CreditGrant.remaining, CreditGrant.held).where(CreditGrant.id == grant_id)
        ).one()
        return row[0], row[1]


def balance(sessions: Sessions, account_id: int, now: datetime = NOW) -> tuple[int, int]:
    """(available, held)"""
    with transaction(sessions) as s:
        b = credits.balance(s, account_id=account_id, now=now)
        return b.available, b.held


def entries(sessions: Sessions, hold_id: int | None = None) -> list[tuple[str, int, int]]:
    """(kind, bucket id, credits) of every entry (of one hold), in order"""
    with transaction(sessions) as s:
        query = select(CreditEntry.kind, CreditEntry.grant_id, CreditEntry.credits)
        if hold_id is not None:
            query = query.where(CreditEntry.hold_id == hold_id)
        return [tuple(row) for row in s.execute(query.order_by(CreditEntry.id))]  # type: ignore[misc]


def run(sessions: Sessions, fn: Callable[[Session], Any]) -> Any:
    with transaction(sessions) as s:
        return fn(s)


def healthy(sessions: Sessions, now: datetime = NOW) -> None:
    with transaction(sessions) as s:
        assert credits.check_invariants(s, now=now) == []


def refused(sessions: Sessions, error: type[Exception], fn: Callable[[Session], Any]) -> Exception:
    """Run `fn` expecting `error`, and assert that nothing at all changed."""
    before = snapshot(sessions)
    with pytest.raises(error) as raised:
        run(sessions, fn)
    assert snapshot(sessions) == before
    return raised.value


# --- grants and the balance --------------------------------------------------------------


def test_a_grant_is_a_bucket_with_its_entry_and_shows_in_the_balance(db: Sessions) -> None:
    account_id, _ = new_account(db)

    grant_id = give(db, account_id, 500, expires=20)

    assert bucket(db, grant_id) == (500, 0)
    assert entries(db) == [("grant", grant_id, 500)]
    assert balance(db, account_id) == (500, 0)
    healthy(db)


def test_a_grant_applies_once_per_key(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 500, key="addon:0")
    before = snapshot(db)

    again = run(
        db,
        lambda s: credits.grant(
            s,
            account_id=account_id,
            credits=999,
            source=GrantSource.ADDON,
            starts_at=NOW,
            expires_at=later(30),
            key="addon:0",
            now=NOW,
        ),
    )

    assert again is None
    assert snapshot(db) == before


@pytest.mark.parametrize(("amount", "starts", "expires"), [(0, 0, 30), (-5, 0, 30), (5, 3, 3)])
def test_a_bad_grant_is_refused(db: Sessions, amount: int, starts: int, expires: int) -> None:
    account_id, _ = new_account(db)

    refused(
        db,
        ValidationFailed,
        lambda s: credits.grant(
            s,
            account_id=account_id,
            credits=amount,
            source=GrantSource.ADDON,
            starts_at=later(starts),
            expires_at=later(expires),
            key="k",
            now=NOW,
        ),
    )


def test_grant_many_grants_each_key_once_and_counts_what_it_granted(db: Sessions) -> None:
    first, _ = new_account(db, "First")
    second, _ = new_account(db, "Second")
    give(db, first, 10, key="addon:1")
    requests = [
        credits.GrantRequest(
            account_id=account,
            credits=amount,
            source=GrantSource.BUNDLE,
            starts_at=NOW,
            expires_at=later(30),
            key=key,
        )
        for account, amount, key in [
            (first, 10, "addon:1"),
            (first, 20, "bundle:1"),
            (second, 30, "addon:1"),
        ]
    ]

    assert run(db, lambda s: credits.grant_many(s, grants=requests, now=NOW)) == 2
    assert balance(db, first) == (30, 0)
    assert balance(db, second) == (30, 0)
    assert [(kind, amount) for kind, _, amount in entries(db)] == [
        ("grant", 10),
        ("grant", 20),
        ("grant", 30),
    ]
    before = snapshot(db)
    assert run(db, lambda s: credits.grant_many(s, grants=requests, now=NOW)) == 0
    assert snapshot(db) == before
    healthy(db)


def test_credits_are_available_only_while_their_bucket_is_live(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 100, starts=2, expires=30, key="next month")
    give(db, account_id, 40, starts=-10, expires=5, key="this month")

    assert balance(db, account_id, NOW) == (40, 0)
    assert balance(db, account_id, later(2)) == (140, 0)
    # Past its expiry a bucket no longer counts, even before the expiry job has run.
    assert balance(db, account_id, later(5)) == (100, 0)
    assert balance(db, account_id, later(30)) == (0, 0)


def test_balances_are_per_account(db: Sessions) -> None:
    mine, _ = new_account(db, "Mine")
    theirs, _ = new_account(db, "Theirs")
    give(db, theirs, 100)

    assert balance(db, mine) == (0, 0)
    refused(
        db,
        InsufficientCredits,
        lambda s: credits.spend(s, account_id=mine, credits=1, ref="m1", now=NOW),
    )


# --- holds, captures, releases -----------------------------------------------------------


def test_the_bucket_expiring_soonest_pays_first(db: Sessions) -> None:
    account_id, _ = new_account(db)
    late = give(db, account_id, 100, expires=30, key="late")
    soon = give(db, account_id, 100, expires=10, key="soon")

    run(db, lambda s: credits.spend(s, account_id=account_id, credits=30, ref="m1", now=NOW))

    assert bucket(db, soon) == (70, 0)
    assert bucket(db, late) == (100, 0)
    assert balance(db, account_id) == (170, 0)
    healthy(db)


def test_a_hold_reserves_then_capture_consumes(db: Sessions) -> None:
    account_id, _ = new_account(db)
    grant_id = give(db, account_id, 100)

    held = run(db, lambda s: credits.hold(s, account_id=account_id, credits=7, ref="m1", now=NOW))

    assert (held.state, held.credits, held.ref) == (HoldState.OPEN, 7, "m1")
    assert bucket(db, grant_id) == (100, 7)
    assert balance(db, account_id) == (93, 7)

    captured = run(
        db, lambda s: credits.capture(s, account_id=account_id, ref="m1", now=later(0.1))
    )

    assert (captured.id, captured.state, captured.ended_at) == (
        held.id,
        HoldState.CAPTURED,
        later(0.1),
    )
    assert bucket(db, grant_id) == (93, 0)
    assert balance(db, account_id) == (93, 0)
    assert entries(db, held.id) == [("hold", grant_id, 7), ("capture", grant_id, -7)]
    healthy(db)


def test_a_hold_no_bucket_covers_is_split_soonest_first(db: Sessions) -> None:
    account_id, _ = new_account(db)
    late = give(db, account_id, 100, expires=30, key="late")
    soon = give(db, account_id, 5, expires=10, key="soon")

    held = run(db, lambda s: credits.hold(s, account_id=account_id, credits=8, ref="m1", now=NOW))

    assert entries(db, held.id) == [("hold", soon, 5), ("hold", late, 3)]
    assert (bucket(db, soon), bucket(db, late)) == ((5, 5), (100, 3))
    run(db, lambda s: credits.capture(s, account_id=account_id, ref="m1", now=NOW))
    assert (bucket(db, soon), bucket(db, late)) == ((0, 0), (97, 0))
    healthy(db)


def test_a_spend_split_across_buckets_is_consumed_from_each(db: Sessions) -> None:
    account_id, _ = new_account(db)
    late = give(db, account_id, 100, expires=30, key="late")
    soon = give(db, account_id, 5, expires=10, key="soon")

    spent = run(db, lambda s: credits.spend(s, account_id=account_id, credits=8, ref="m1", now=NOW))

    assert spent.state == HoldState.CAPTURED
    assert (bucket(db, soon), bucket(db, late)) == ((0, 0), (97, 0))
    assert entries(db, spent.id) == [
        ("hold", soon, 5),
        ("capture", soon, -5),
        ("hold", late, 3),
        ("capture", late, -3),
    ]
    healthy(db)


def test_a_hold_the_account_cannot_cover_is_refused_with_needed_and_available(
    db: Sessions,
) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 5, expires=10, key="a")
    give(db, account_id, 4, expires=20, key="b")
    run(db, lambda s: credits.hold(s, account_id=account_id, credits=2, ref="m0", now=NOW))

    error = refused(
        db,
        InsufficientCredits,
        lambda s: credits.hold(s, account_id=account_id, credits=8, ref="m1", now=NOW),
    )

    assert error.details == {"needed": 8, "available": 7}  # type: ignore[attr-defined]


def test_a_refused_hold_leaves_nothing_even_if_the_caller_commits(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 5)
    before = snapshot(db)

    with transaction(db) as s, pytest.raises(InsufficientCredits):
        credits.spend(s, account_id=account_id, credits=6, ref="m1", now=NOW)
        # the caller carries on and commits (e.g. marks its message refused)

    assert snapshot(db) == before
    give(db, account_id, 10, key="top-up")
    spent = run(db, lambda s: credits.spend(s, account_id=account_id, credits=6, ref="m1", now=NOW))
    assert spent.state == HoldState.CAPTURED
    healthy(db)


def test_a_hold_applies_once_per_ref(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 100)
    first = run(db, lambda s: credits.hold(s, account_id=account_id, credits=7, ref="m1", now=NOW))
    before = snapshot(db)

    again = run(
        db, lambda s: credits.hold(s, account_id=account_id, credits=7, ref="m1", now=later(1))
    )

    assert (again.id, again.state, again.created_at) == (first.id, HoldState.OPEN, NOW)
    assert snapshot(db) == before
    refused(
        db, Conflict, lambda s: credits.hold(s, account_id=account_id, credits=8, ref="m1", now=NOW)
    )


def test_a_spend_applies_once_per_ref(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 100)
    first = run(db, lambda s: credits.spend(s, account_id=account_id, credits=7, ref="m1", now=NOW))
    before = snapshot(db)

    again = run(db, lambda s: credits.spend(s, account_id=account_id, credits=7, ref="m1", now=NOW))

    assert (again.id, again.state) == (first.id, HoldState.CAPTURED)
    assert snapshot(db) == before
    assert balance(db, account_id) == (93, 0)


def test_a_spend_of_an_open_hold_captures_it(db: Sessions) -> None:
    account_id, _ = new_account(db)
    grant_id = give(db, account_id, 100)
    held = run(db, lambda s: credits.hold(s, account_id=account_id, credits=7, ref="m1", now=NOW))

    spent = run(db, lambda s: credits.spend(s, account_id=account_id, credits=7, ref="m1", now=NOW))

    assert (spent.id, spent.state) == (held.id, HoldState.CAPTURED)
    assert bucket(db, grant_id) == (93, 0)
    healthy(db)


@pytest.mark.parametrize("end", [credits.capture, credits.release])
def test_a_hold_ends_once_and_a_second_end_returns_the_first_outcome(
    db: Sessions, end: Callable[..., CreditHold]
) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 100)
    run(db, lambda s: credits.hold(s, account_id=account_id, credits=7, ref="m1", now=NOW))
    first = run(db, lambda s: end(s, account_id=account_id, ref="m1", now=later(0.5)))
    before = snapshot(db)

    for again_end in (credits.capture, credits.release):
        again = run(db, partial(again_end, account_id=account_id, ref="m1", now=later(1)))
        assert (again.id, again.state, again.ended_at) == (first.id, first.state, later(0.5))

    assert snapshot(db) == before
    healthy(db)


def test_a_batch_of_holds_is_captured_together_once(db: Sessions) -> None:
    first, _ = new_account(db, "First")
    second, _ = new_account(db, "Second")
    soon = give(db, first, 5, expires=10, key="soon")
    late = give(db, first, 100, expires=30, key="late")
    theirs = give(db, second, 100)
    for account, ref, amount in [(first, "m1", 4), (first, "m2", 3), (second, "m1", 2)]:
        run(
            db,
            lambda s, a=account, r=ref, c=amount: credits.hold(  # type: ignore[misc]
                s, account_id=a, credits=c, ref=r, now=NOW
            ),
        )
    run(db, lambda s: credits.release(s, account_id=first, ref="m1", now=NOW))
    batch = [(first, "m1"), (first, "m2"), (second, "m1"), (second, "unknown")]

    captured = run(db, lambda s: credits.capture_many(s, holds=batch, now=NOW))

    assert captured == 2  # m1 of First was released before; "unknown" was never held
    assert (bucket(db, soon), bucket(db, late), bucket(db, theirs)) == ((4, 0), (98, 0), (98, 0))
    m2 = run(db, lambda s: credits.get_hold(s, account_id=first, ref="m2"))
    assert (m2.state, m2.ended_at) == (HoldState.CAPTURED, NOW)
    assert entries(db, m2.id) == [
        ("hold", soon, 1),
        ("hold", late, 2),
        ("capture", soon, -1),
        ("capture", late, -2),
    ]
    before = snapshot(db)
    assert run(db, lambda s: credits.capture_many(s, holds=batch, now=NOW)) == 0
    assert run(db, lambda s: credits.release_many(s, holds=batch, now=NOW)) == 0
    assert snapshot(db) == before
    healthy(db)


def test_a_batch_release_writes_off_what_expired_meanwhile(db: Sessions) -> None:
    account_id, _ = new_account(db)
    soon = give(db, account_id, 5, expires=10, key="soon")
    late = give(db, account_id, 100, expires=30, key="late")
    run(
        db,
        lambda s: credits.hold_many(
            s, account_id=account_id, holds=[("m1", 4), ("m2", 3)], now=NOW
        ),
    )

    released = run(
        db,
        lambda s: credits.release_many(
            s, holds=[(account_id, "m1"), (account_id, "m2")], now=later(11)
        ),
    )

    assert released == 2
    assert (bucket(db, soon), bucket(db, late)) == ((0, 0), (100, 0))
    assert balance(db, account_id, later(11)) == (100, 0)
    healthy(db, later(11))


def test_an_empty_batch_ends_nothing(db: Sessions) -> None:
    assert run(db, lambda s: credits.capture_many(s, holds=[], now=NOW)) == 0


def test_release_gives_the_credits_back(db: Sessions) -> None:
    account_id, _ = new_account(db)
    grant_id = give(db, account_id, 100)
    held = run(db, lambda s: credits.hold(s, account_id=account_id, credits=7, ref="m1", now=NOW))

    released = run(db, lambda s: credits.release(s, account_id=account_id, ref="m1", now=NOW))

    assert released.state == HoldState.RELEASED
    assert bucket(db, grant_id) == (100, 0)
    assert balance(db, account_id) == (100, 0)
    assert entries(db, held.id) == [("hold", grant_id, 7), ("release", grant_id, -7)]
    healthy(db)


def test_credits_released_after_their_bucket_expired_are_written_off(db: Sessions) -> None:
    account_id, _ = new_account(db)
    soon = give(db, account_id, 5, expires=10, key="soon")
    late = give(db, account_id, 100, expires=30, key="late")
    held = run(db, lambda s: credits.hold(s, account_id=account_id, credits=8, ref="m1", now=NOW))
    assert balance(db, account_id, later(11)) == (97, 8)

    run(db, lambda s: credits.release(s, account_id=account_id, ref="m1", now=later(11)))

    assert bucket(db, soon) == (0, 0)  # written off, not revived
    assert bucket(db, late) == (100, 0)  # still live: back to available
    assert balance(db, account_id, later(11)) == (100, 0)
    assert entries(db, held.id) == [
        ("hold", soon, 5),
        ("hold", late, 3),
        ("release", soon, -5),
        ("expire", soon, -5),
        ("release", late, -3),
    ]
    healthy(db, later(11))


def test_ending_a_hold_that_does_not_exist_is_not_found(db: Sessions) -> None:
    account_id, _ = new_account(db)
    other, _ = new_account(db, "Other")
    give(db, other, 100)
    run(db, lambda s: credits.hold(s, account_id=other, credits=1, ref="m1", now=NOW))

    for end in (credits.capture, credits.release):
        refused(db, NotFound, partial(end, account_id=account_id, ref="m1", now=NOW))


@pytest.mark.parametrize(("amount", "ref"), [(0, "m1"), (-1, "m1"), (1, ""), (1, "x" * 121)])
def test_a_bad_hold_is_refused(db: Sessions, amount: int, ref: str) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 100)

    for reserve in (credits.hold, credits.spend):
        refused(
            db,
            ValidationFailed,
            partial(reserve, account_id=account_id, credits=amount, ref=ref, now=NOW),
        )


def test_held_credits_survive_expiry_until_their_hold_ends(db: Sessions) -> None:
    account_id, _ = new_account(db)
    grant_id = give(db, account_id, 10, expires=5)
    run(db, lambda s: credits.hold(s, account_id=account_id, credits=4, ref="m1", now=NOW))

    expired = run(db, lambda s: credits.expire_due(s, now=later(6)))

    assert expired == 6
    assert bucket(db, grant_id) == (4, 4)
    run(db, lambda s: credits.capture(s, account_id=account_id, ref="m1", now=later(6)))
    assert bucket(db, grant_id) == (0, 0)
    healthy(db, later(6))


# --- broadcasts --------------------------------------------------------------------------


def test_a_broadcast_holds_every_message_or_none(db: Sessions) -> None:
    account_id, _ = new_account(db)
    soon = give(db, account_id, 5, expires=10, key="soon")
    late = give(db, account_id, 100, expires=30, key="late")

    ids = run(
        db,
        lambda s: credits.hold_many(
            s, account_id=account_id, holds=[("m1", 3), ("m2", 3), ("m3", 1)], now=NOW
        ),
    )

    assert len(set(ids)) == 3
    assert balance(db, account_id) == (98, 7)
    assert (bucket(db, soon), bucket(db, late)) == ((5, 5), (100, 2))
    assert entries(db, ids[1]) == [("hold", soon, 2), ("hold", late, 1)]
    with transaction(db) as s:
        assert [
            credits.get_hold(s, account_id=account_id, ref=r).id for r in ("m1", "m2", "m3")
        ] == ids
    healthy(db)


def test_a_broadcast_the_account_cannot_cover_holds_nothing(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 10)

    error = refused(
        db,
        InsufficientCredits,
        lambda s: credits.hold_many(
            s, account_id=account_id, holds=[(f"m{i}", 3) for i in range(4)], now=NOW
        ),
    )

    assert error.details == {"needed": 12, "available": 10}  # type: ignore[attr-defined]


def test_a_retried_broadcast_holds_nothing_twice(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 10)
    holds = [(f"m{i}", 3) for i in range(3)]
    first = run(db, lambda s: credits.hold_many(s, account_id=account_id, holds=holds, now=NOW))
    before = snapshot(db)

    again = run(db, lambda s: credits.hold_many(s, account_id=account_id, holds=holds, now=NOW))

    assert again == first
    assert snapshot(db) == before
    # Extended by one message: only the new one is held (1 credit left covers it).
    more = run(
        db,
        lambda s: credits.hold_many(s, account_id=account_id, holds=[*holds, ("m3", 1)], now=NOW),
    )
    assert more[:3] == first
    assert balance(db, account_id) == (0, 10)
    healthy(db)


def test_a_broadcast_with_a_ref_held_for_other_credits_is_a_conflict(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 100)
    run(db, lambda s: credits.hold(s, account_id=account_id, credits=2, ref="m1", now=NOW))

    refused(
        db,
        Conflict,
        lambda s: credits.hold_many(
            s, account_id=account_id, holds=[("m0", 1), ("m1", 3)], now=NOW
        ),
    )


def test_a_broadcast_with_a_ref_twice_is_refused(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 100)

    refused(
        db,
        ValidationFailed,
        lambda s: credits.hold_many(
            s, account_id=account_id, holds=[("m1", 1), ("m1", 1)], now=NOW
        ),
    )


def test_an_empty_broadcast_holds_nothing(db: Sessions) -> None:
    account_id, _ = new_account(db)

    assert run(db, lambda s: credits.hold_many(s, account_id=account_id, holds=[], now=NOW)) == []


# --- expiry ------------------------------------------------------------------------------


def test_expiry_writes_off_unused_credits_once(db: Sessions) -> None:
    account_id, _ = new_account(db)
    other, _ = new_account(db, "Other")
    old = give(db, account_id, 50, expires=5, key="old")
    current = give(db, account_id, 70, expires=30, key="current")
    theirs = give(db, other, 20, expires=5, key="old")
    run(db, lambda s: credits.spend(s, account_id=account_id, credits=10, ref="m1", now=NOW))

    assert run(db, lambda s: credits.expire_due(s, now=later(5))) == 60
    assert (bucket(db, old), bucket(db, current), bucket(db, theirs)) == ((0, 0), (70, 0), (0, 0))
    assert entries(db)[-2:] == [("expire", old, -40), ("expire", theirs, -20)]
    before = snapshot(db)
    assert run(db, lambda s: credits.expire_due(s, now=later(5))) == 0
    assert run(db, lambda s: credits.expire_due(s, now=later(6))) == 0
    assert snapshot(db) == before
    healthy(db, later(6))


def test_expiry_with_nothing_due_does_nothing(db: Sessions) -> None:
    account_id, _ = new_account(db)
    give(db, account_id, 50)
    before = snapshot(db)

    assert run(db, lambda s: credits.expire_due(s, now=NOW)) == 0

    assert snapshot(db) == before


# --- adjustments -------------------------------------------------------------------------


def test_an_adjustment_up_is_a_manual_bucket_with_reason_and_actor(db: Sessions) -> None:
    account_id, user_id = new_account(db)

    made = run(
        db,
        lambda s: credits.adjust(
            s,
            account_id=account_id,
            credits=25,
            reason="Goodwill after outage",
            actor_user_id=user_id,
            now=NOW,
            key="t-1",
            expires_at=later(15),
        ),
    )

    assert [(e.kind, e.credits, e.reason, e.actor_user_id) for e in made] == [
        ("adjust", 25, "Goodwill after outage", user_id)
    ]
    with transaction(db) as s:
        grant = s.get_one(CreditGrant, made[0].grant_id)
        assert (grant.source, grant.amount, grant.expires_at) == ("manual", 25, later(15))
    assert balance(db, account_id) == (25, 0)
    assert balance(db, account_id, later(15)) == (0, 0)
    healthy(db)


def test_an_adjustment_down_takes_free_credits_soonest_first(db: Sessions) -> None:
    account_id, user_id = new_account(db)
    soon = give(db, account_id, 10, expires=10, key="soon")
    late = give(db, account_id, 100, expires=30, key="late")
    run(db, lambda s: credits.hold(s, account_id=account_id, credits=4, ref="m1", now=NOW))

    made = run(
        db,
        lambda s: credits.adjust(
            s,
            account_id=account_id,
            credits=-9,
            reason="Duplicate grant",
            actor_user_id=user_id,
            now=NOW,
            key="t-2",
        ),
    )

    assert [(e.grant_id, e.credits) for e in made] == [(soon, -6), (late, -3)]
    assert (bucket(db, soon), bucket(db, late)) == ((4, 4), (97, 0))
    assert balance(db, account_id) == (97, 4)
    healthy(db)


def test_an_adjustment_down_beyond_the_free_credits_is_refused(db: Sessions) -> None:
    account_id, user_id = new_account(db)
    give(db, account_id, 10)
    run(db, lambda s: credits.hold(s, account_id=account_id, credits=4, ref="m1", now=NOW))

    error = refused(
        db,
        InsufficientCredits,
        lambda s: credits.adjust(
            s,
            account_id=account_id,
            credits=-7,
            reason="Too many",
            actor_user_id=user_id,
            now=NOW,
            key="t-3",
        ),
    )

    assert error.details == {"needed": 7, "available": 6}  # type: ignore[attr-defined]


def test_an_adjustment_applies_once_per_key(db: Sessions) -> None:
    account_id, user_id = new_account(db)
    give(db, account_id, 10)
    first = run(
        db,
        lambda s: credits.adjust(
            s,
            account_id=account_id,
            credits=-3,
            reason="Fix",
            actor_user_id=user_id,
            now=NOW,
            key="t-4",
        ),
    )
    before = snapshot(db)

    again = run(
        db,
        lambda s: credits.adjust(
            s,
            account_id=account_id,
            credits=-3,
            reason="Fix",
            actor_user_id=user_id,
            now=NOW,
            key="t-4",
        ),
    )

    assert [e.id for e in again] == [e.id for e in first]
    assert snapshot(db) == before
    refused(
        db,
        Conflict,
        lambda s: credits.adjust(
            s,
            account_id=account_id,
            credits=-4,
            reason="Fix",
            actor_user_id=user_id,
            now=NOW,
            key="t-4",
        ),
    )


@pytest.mark.parametrize(
    ("amount", "reason", "expires"),
    [(0, "why", 10), (5, " ", 10), (5, "why", None), (5, "why", 0), (5, "x" * 501, 10)],
)
def test_a_bad_adjustment_is_refused(
    db: Sessions, amount: int, reason: str, expires: int | None
) -> None:
    account_id, user_id = new_account(db)
    give(db, account_id, 10)

    refused(
        db,
        ValidationFailed,
        lambda s: credits.adjust(
            s,
            account_id=account_id,
            credits=amount,
            reason=reason,
            actor_user_id=user_id,
            now=NOW,
            key="t-5",
            expires_at=None if expires is None else later(expires),
        ),
    )


# --- period totals and invariants ----------------------------------------------------------


def test_period_totals_give_granted_by_source_used_held_and_available(db: Sessions) -> None:
    account_id, user_id = new_account(db)
    give(db, account_id, 500, starts=-20, expires=10, key="addon:0")  # before the period
    give(db, account_id, 300, starts=0, expires=30, key="addon:1")
    give(db, account_id, 100, starts=0, expires=30, key="bundle:1", source=GrantSource.BUNDLE)
    run(
        db,
        lambda s: credits.adjust(
            s,
            account_id=account_id,
            credits=5,
            reason="gift",
            actor_user_id=user_id,
            now=NOW,
            key="g",
            expires_at=later(30),
        ),
    )
    run(
        db,
        lambda s: credits.spend(s, account_id=account_id, credits=6, ref="before", now=later(-1)),
    )
    run(db, lambda s: credits.spend(s, account_id=account_id, credits=10, ref="m1", now=later(1)))
    run(db, lambda s: credits.hold(s, account_id=account_id, credits=4, ref="m2", now=later(1)))
    run(db, lambda s: credits.hold(s, account_id=account_id, credits=2, ref="m3", now=later(1)))
    run(db, lambda s: credits.release(s, account_id=account_id, ref="m3", now=later(1)))

    totals = run(
        db,
        lambda s: credits.period_totals(
            s, account_id=account_id, start=NOW, end=later(30), now=later(2)
        ),
    )

    assert totals == credits.PeriodTotals(
        granted_by_source={"addon": 300, "bundle": 100, "manual": 5},
        used=10,
        held=4,
        available=500 + 300 + 100 + 5 - 6 - 10 - 4,
    )


def test_check_invariants_reports_a_bucket_changed_behind_the_ledger(db: Sessions) -> None:
    account_id, _ = new_account(db)
    grant_id = give(db, account_id, 100)
    run(db, lambda s: credits.hold(s, account_id=account_id, credits=5, ref="m1", now=NOW))
    healthy(db)

    with transaction(db) as s:
        s.execute(text("UPDATE credit_grants SET remaining = 90 WHERE id = :id"), {"id": grant_id})
        problems = credits.check_invariants(s, now=NOW)

    assert problems == [
        f"bucket {grant_id}: amount/remaining/held 100/90/5, but its entries add up to 100/100/5",
        f"account {account_id}: 85 available, its live entries say 95",
    ]


def test_check_invariants_reports_a_hold_ended_twice(db: Sessions) -> None:
    account_id, _ = new_account(db)
    grant_id = give(db, account_id, 100)
    held = run(db, lambda s: credits.spend(s, account_id=account_id, credits=5, ref="m1", now=NOW))

    with transaction(db) as s:
        s.add(
            CreditEntry(
                account_id=account_id,
                grant_id=grant_id,
                hold_id=held.id,
                kind="release",
                credits=-5,
                created_at=NOW,
            )
        )
        s.flush()
        problems = credits.check_invariants(s, now=NOW)

    assert problems == [
        f"bucket {grant_id}: amount/remaining/held 100/95/0, but its entries add up to 100/95/-5",
        f"hold {held.id} (captured, ended) in bucket {grant_id}: held 5, captured -5, "
        "released -5, written off 0",
        f"account {account_id}: 95 available, its live entries say 100",
    ]


def test_services_do_not_commit(db: Sessions) -> None:
    account_id, user_id = new_account(db)
    give(db, account_id, 100)
    before = snapshot(db)

    with db() as s, s.begin():
        credits.spend(s, account_id=account_id, credits=5, ref="m1", now=NOW)
        credits.hold_many(s, account_id=account_id, holds=[("b1", 1)], now=NOW)
        credits.adjust(
            s,
            account_id=account_id,
            credits=-1,
            reason="r",
            actor_user_id=user_id,
            now=NOW,
            key="a",
        )
        credits.expire_due(s, now=later(40))
        s.rollback()

    assert snapshot(db) == before
    with transaction(db) as s:
        assert s.scalar(select(func.count()).select_from(CreditHold)) == 0
