"""Changing roles and the billing permission: only the Primary Admin, only on their own account,
never the Primary Admin's own role, and every change in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import audit, billing
from smsaddon.accounts import Role, User, add_user, find_account, user_by_email
from smsaddon.accounts.service import set_permissions
from smsaddon.db import transaction
from smsaddon.errors import Conflict, DomainError, NotFound, PermissionDenied
from tests.fixtures.snapshots import snapshot
from tests.fixtures.world import NOW, TTL, World

OWNER, BILLER, MEMBER, ADMIN = (
    "owner@demo.test",
    "billing@demo.test",
    "member@demo.test",
    "admin@demo.test",
)


@pytest.fixture
def people(world: World) -> World:
    """Demo Co with an admin too (Ada Admin, who also holds the billing permission)."""
    with transaction(world.sessions) as s:
        add_user(
            s,
            account_id=find_account(s, "Demo Co").id,
            email=ADMIN,
            name="Ada Admin",
            password="demo-password",
            role=Role.ADMIN,
            can_bill=True,
            now=NOW,
        )
    return world


def change(db: sessionmaker[Session], actor: str, target: str, **changes: Any) -> User:
    with transaction(db) as s:
        user_id = user_by_email(s, target).id
        return set_permissions(
            s, actor=user_by_email(s, actor), user_id=user_id, now=NOW, **changes
        )


def permissions(db: sessionmaker[Session], email: str) -> tuple[str, bool, bool]:
    with transaction(db) as s:
        user = user_by_email(s, email)
        return str(user.role), user.can_bill, user.may_purchase


def refused(
    db: sessionmaker[Session], error: type[DomainError], actor: str, target: str, **changes: Any
) -> DomainError:
    before = snapshot(db)
    with pytest.raises(error) as raised:
        change(db, actor, target, **changes)
    assert snapshot(db) == before
    return raised.value


def entries(db: sessionmaker[Session], account: str = "Demo Co") -> list[audit.Entry]:
    with transaction(db) as s:
        found = audit.entries_of(
            s, account_id=find_account(s, account).id, action="user.permissions_changed"
        )
        return found


def test_the_primary_admin_grants_and_revokes_the_billing_permission(people: World) -> None:
    db = people.sessions
    assert permissions(db, MEMBER) == ("user", False, False)
    assert change(db, OWNER, MEMBER, can_bill=True).can_bill is True
    assert permissions(db, MEMBER) == ("user", True, True)
    people.quote_addon(email=MEMBER)  # the member may buy now
    change(db, OWNER, MEMBER, can_bill=False)
    assert permissions(db, MEMBER) == ("user", False, False)


def test_the_primary_admin_makes_someone_admin_and_back(people: World) -> None:
    db = people.sessions
    change(db, OWNER, MEMBER, role=Role.ADMIN)
    assert permissions(db, MEMBER) == ("admin", False, False)
    change(db, OWNER, MEMBER, role=Role.USER, can_bill=True)
    assert permissions(db, MEMBER) == ("user", True, True)
    change(db, OWNER, ADMIN, role=Role.USER, can_bill=False)
    assert permissions(db, ADMIN) == ("user", False, False)


@pytest.mark.parametrize("actor", [ADMIN, BILLER, MEMBER])
def test_anyone_but_the_primary_admin_is_refused(people: World, actor: str) -> None:
    db = people.sessions
    error = refused(db, PermissionDenied, actor, MEMBER, can_bill=True)
    assert "Only the Primary Admin" in error.message
    refused(db, PermissionDenied, actor, BILLER, can_bill=False)
    refused(db, PermissionDenied, actor, actor, role=Role.ADMIN, can_bill=True)
    refused(db, PermissionDenied, actor, OWNER, role=Role.USER)
    refused(db, PermissionDenied, actor, "annual@demo.test", can_bill=False)
    assert entries(db) == []


def test_another_accounts_users_do_not_exist(people: World) -> None:
    db = people.sessions
    with transaction(db) as s:
        add_user(
            s,
            account_id=find_account(s, "Annual Co").id,
            email="ann.member@annual.test",
            name="Another Member",
            password="demo-password",
            role=Role.USER,
            can_bill=False,
            now=NOW,
        )
    foreign = refused(db, NotFound, OWNER, "ann.member@annual.test", can_bill=True)
    refused(db, NotFound, OWNER, "annual@demo.test", role=Role.USER)
    refused(db, NotFound, "annual@demo.test", MEMBER, can_bill=True)
    before = snapshot(db)
    with pytest.raises(NotFound) as unknown, transaction(db) as s:
        set_permissions(s, actor=user_by_email(s, OWNER), user_id=999_999, can_bill=True, now=NOW)
    assert snapshot(db) == before
    assert foreign.message == unknown.value.message  # nothing tells the two apart
    assert entries(db) == entries(db, "Annual Co") == []


def test_nobody_becomes_or_stops_being_the_primary_admin(people: World) -> None:
    db = people.sessions
    refused(db, Conflict, OWNER, MEMBER, role=Role.PRIMARY_ADMIN)
    refused(db, Conflict, OWNER, ADMIN, role=Role.PRIMARY_ADMIN, can_bill=False)
    refused(db, Conflict, OWNER, OWNER, role=Role.ADMIN)
    refused(db, Conflict, OWNER, OWNER, role=Role.USER)
    refused(db, Conflict, OWNER, OWNER, can_bill=False)
    refused(db, Conflict, OWNER, OWNER, role=Role.PRIMARY_ADMIN)
    assert permissions(db, OWNER) == ("primary_admin", True, True)
    before = snapshot(db)
    change(db, OWNER, OWNER, can_bill=True)  # what the Primary Admin has already: no change
    assert snapshot(db) == before


def test_a_change_is_audited_with_before_and_after(people: World) -> None:
    db = people.sessions
    with audit.origin_scope("203.0.113.7"):
        change(db, OWNER, MEMBER, can_bill=True, role=Role.ADMIN)
    before = snapshot(db)
    change(db, OWNER, MEMBER, can_bill=True)  # nothing changes: nothing recorded
    change(db, OWNER, MEMBER)
    assert snapshot(db) == before
    [entry] = entries(db)
    with transaction(db) as s:
        owner_id, member_id = user_by_email(s, OWNER).id, user_by_email(s, MEMBER).id
    assert (entry.actor_user_id, entry.actor, entry.origin, entry.created_at) == (
        owner_id,
        "Olivia Owner <owner@demo.test>",
        "203.0.113.7",
        NOW,
    )
    assert entry.subject == "Mia Member <member@demo.test>"
    assert entry.details == {
        "user_id": member_id,
        "email": MEMBER,
        "before": {"role": "user", "can_bill": False},
        "after": {"role": "admin", "can_bill": True},
    }


def test_a_user_who_lost_the_billing_permission_cannot_buy(people: World) -> None:
    db = people.sessions
    people.quote_addon(email=BILLER)  # allowed while they hold the permission
    change(db, OWNER, BILLER, can_bill=False)
    assert permissions(db, BILLER) == ("user", False, False)
    before = snapshot(db)
    with pytest.raises(PermissionDenied), transaction(db) as s:
        billing.quote_add_addon(
            s, actor=user_by_email(s, BILLER), catalog=people.catalog, now=NOW, ttl_seconds=TTL
        )
    assert snapshot(db) == before
