"""The account's time zone: an IANA name, set by the Primary Admin only, audited; a refused
change leaves everything as it was."""

from __future__ import annotations

import pytest

from smsaddon import audit
from smsaddon.accounts import find_account, set_time_zone, user_by_email
from smsaddon.db import transaction
from smsaddon.errors import PermissionDenied, ValidationFailed
from tests.fixtures.snapshots import snapshot
from tests.fixtures.world import NOW, World


def zone_of(world: World, account: str = "Demo Co") -> str:
    with transaction(world.sessions) as session:
        return find_account(session, account).time_zone


def test_an_account_starts_in_utc_and_the_primary_admin_moves_it(world: World) -> None:
    assert zone_of(world) == "UTC"
    with transaction(world.sessions) as session:
        owner = user_by_email(session, "owner@demo.test")
        set_time_zone(session, actor=owner, time_zone=" America/New_York ", now=NOW)
    assert zone_of(world) == "America/New_York"
    assert zone_of(world, "Annual Co") == "UTC"
    with transaction(world.sessions) as session:
        owner = user_by_email(session, "owner@demo.test")
        [entry] = audit.list_entries(session, actor=owner, action="account")
    assert (entry.action, entry.details, entry.created_at) == (
        "account.time_zone_changed",
        {"before": "UTC", "after": "America/New_York"},
        NOW,
    )
    assert audit.sentence(entry) == (
        "Olivia Owner changed the account's time zone from UTC to America/New_York"
    )


def test_setting_the_same_zone_again_records_nothing(world: World) -> None:
    with transaction(world.sessions) as session:
        owner = user_by_email(session, "owner@demo.test")
        set_time_zone(session, actor=owner, time_zone="UTC", now=NOW)
    with transaction(world.sessions) as session:
        owner = user_by_email(session, "owner@demo.test")
        assert audit.list_entries(session, actor=owner, action="account") == []


@pytest.mark.parametrize("email", ["billing@demo.test", "member@demo.test"])
def test_nobody_else_may_change_it(world: World, email: str) -> None:
    before = snapshot(world.sessions)
    with (
        pytest.raises(PermissionDenied, match="Only the Primary Admin"),
        transaction(world.sessions) as session,
    ):
        set_time_zone(
            session, actor=user_by_email(session, email), time_zone="Europe/Paris", now=NOW
        )
    assert snapshot(world.sessions) == before


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "Europe/Pariss"])
def test_an_unknown_zone_is_refused_by_name(world: World, name: str) -> None:
    before = snapshot(world.sessions)
    with pytest.raises(ValidationFailed) as refused, transaction(world.sessions) as session:
        owner = user_by_email(session, "owner@demo.test")
        set_time_zone(session, actor=owner, time_zone=name, now=NOW)
    assert refused.value.details == {"field": "time_zone"}
    assert "America/New_York" in refused.value.message
    assert snapshot(world.sessions) == before
