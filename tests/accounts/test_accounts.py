"""Accounts, users and roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.accounts import (
    Role,
    User,
    add_user,
    authenticate,
    create_account,
    require_admin,
    require_purchaser,
)
from smsaddon.db import transaction
from smsaddon.errors import Conflict, PermissionDenied, ValidationFailed
from tests.fixtures.snapshots import snapshot

NOW = datetime(2026, 11, 10, tzinfo=UTC)


def make_account(db: sessionmaker[Session]) -> int:
    with transaction(db) as s:
        return create_account(
            s,
            name="Acme",
            owner_email="Boss@Acme.test",
            owner_name="Boss",
            password="correct horse",
            now=NOW,
        ).id


def test_account_starts_with_its_primary_admin_who_may_buy(db: sessionmaker[Session]) -> None:
    make_account(db)
    with transaction(db) as s:
        user = authenticate(s, email="boss@acme.test", password="correct horse")
        assert user is not None
        assert (user.email, user.role, user.is_admin, user.may_purchase) == (
            "boss@acme.test",
            Role.PRIMARY_ADMIN,
            True,
            True,
        )
        assert user.password_hash.startswith("$argon2")


def test_wrong_password_and_unknown_email_look_the_same(db: sessionmaker[Session]) -> None:
    make_account(db)
    with transaction(db) as s:
        assert authenticate(s, email="boss@acme.test", password="wrong password") is None
        assert authenticate(s, email="nobody@acme.test", password="correct horse") is None


def test_roles_and_the_billing_permission(db: sessionmaker[Session]) -> None:
    account_id = make_account(db)
    with transaction(db) as s:
        admin = add_user(
            s,
            account_id=account_id,
            email="a@acme.test",
            name="A",
            password="password1",
            role=Role.ADMIN,
            can_bill=False,
            now=NOW,
        )
        biller = add_user(
            s,
            account_id=account_id,
            email="b@acme.test",
            name="B",
            password="password1",
            role=Role.USER,
            can_bill=True,
            now=NOW,
        )
        member = add_user(
            s,
            account_id=account_id,
            email="m@acme.test",
            name="M",
            password="password1",
            role=Role.USER,
            can_bill=False,
            now=NOW,
        )
    assert [(u.is_admin, u.may_purchase) for u in (admin, biller, member)] == [
        (True, False),
        (False, True),
        (False, False),
    ]
    for user in (admin, member):
        with pytest.raises(PermissionDenied, match="billing permission"):
            require_purchaser(user)
    require_purchaser(biller)
    require_admin(admin)
    with pytest.raises(PermissionDenied, match="Only admins"):
        require_admin(biller)


def test_exactly_one_primary_admin_per_account(db: sessionmaker[Session]) -> None:
    account_id = make_account(db)
    before = snapshot(db)
    with pytest.raises(Conflict, match="has its Primary Admin already"), transaction(db) as s:
        add_user(
            s,
            account_id=account_id,
            email="x@acme.test",
            name="X",
            password="password1",
            role=Role.PRIMARY_ADMIN,
            can_bill=True,
            now=NOW,
        )
    # and the database refuses it even if the service were bypassed
    with pytest.raises(IntegrityError), transaction(db) as s:
        s.add(
            User(
                account_id=account_id,
                email="y@acme.test",
                name="Y",
                password_hash="x",
                role=Role.PRIMARY_ADMIN,
                can_bill=True,
                created_at=NOW,
            )
        )
        s.flush()
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("email", "password", "error"),
    [
        ("not-an-email", "password1", "not an email address"),
        ("boss@acme.test", "password1", "exists already"),
        ("new@acme.test", "short", "at least 8 characters"),
    ],
)
def test_bad_users_are_refused_with_nothing_written(
    db: sessionmaker[Session],
    email: str,
    password: str,
    error: str,
) -> None:
    account_id = make_account(db)
    before = snapshot(db)
    with pytest.raises((ValidationFailed, Conflict), match=error), transaction(db) as s:
        add_user(
            s,
            account_id=account_id,
            email=email,
            name="N",
            password=password,
            role=Role.USER,
            can_bill=False,
            now=NOW,
        )
    assert snapshot(db) == before


def test_account_names_are_unique_ignoring_case(db: sessionmaker[Session]) -> None:
    make_account(db)
    with pytest.raises(Conflict, match="exists already"), transaction(db) as s:
        create_account(
            s, name="ACME", owner_email="o@x.test", owner_name="O", password="password1", now=NOW
        )
