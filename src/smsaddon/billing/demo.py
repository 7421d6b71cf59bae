"""The demo data. Docs, tests and people rely on these exact names."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsaddon.accounts import Account, Role, add_user, create_account
from smsaddon.billing.subscriptions import subscribe
from smsaddon.catalog import Catalog
from smsaddon.periods import Interval

DEMO_ACCOUNTS = ("Demo Co", "Annual Co", "Lite Co")


def is_seeded(session: Session) -> bool:
    return session.scalar(select(Account.id).where(Account.name.in_(DEMO_ACCOUNTS))) is not None


def seed(session: Session, *, password: str, catalog: Catalog, now: datetime) -> None:
    """Demo Co (plus, monthly, no add-on yet), Annual Co (professional, annual), Lite Co."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    demo = _account(
        session,
        "Demo Co",
        "owner@demo.test",
        "Olivia Owner",
        "plus",
        Interval.MONTHLY,
        day - timedelta(days=12),
        password,
        catalog,
        now,
    )
    add_user(
        session,
        account_id=demo.id,
        email="billing@demo.test",
        name="Bill Ingram",
        password=password,
        role=Role.USER,
        can_bill=True,
        now=now,
    )
    add_user(
        session,
        account_id=demo.id,
        email="member@demo.test",
        name="Mia Member",
        password=password,
        role=Role.USER,
        can_bill=False,
        now=now,
    )
    _account(
        session,
        "Annual Co",
        "annual@demo.test",
        "Ann Yearly",
        "professional",
        Interval.ANNUAL,
        day - timedelta(days=75),
        password,
        catalog,
        now,
    )
    _account(
        session,
        "Lite Co",
        "lite@demo.test",
        "Lee Lite",
        "lite",
        Interval.MONTHLY,
        day - timedelta(days=5),
        password,
        catalog,
        now,
    )


def _account(
    session: Session,
    name: str,
    email: str,
    owner: str,
    plan: str,
    interval: Interval,
    anchor: datetime,
    password: str,
    catalog: Catalog,
    now: datetime,
) -> Account:
    account = create_account(
        session, name=name, owner_email=email, owner_name=owner, password=password, now=now
    )
    subscribe(
        session,
        account_id=account.id,
        plan=plan,
        interval=interval,
        catalog=catalog,
        now=now,
        anchor=anchor,
    )
    return account
