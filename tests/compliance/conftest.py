"""Compliance fixtures: the demo accounts on each database, and complete registration forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import compliance
from smsaddon.accounts import User, user_by_email
from smsaddon.accounts import service as accounts_service
from smsaddon.billing.demo import seed
from smsaddon.catalog import Catalog
from smsaddon.db import transaction

OWNER, BILLING, MEMBER, OTHER = (
    "owner@demo.test",
    "billing@demo.test",
    "member@demo.test",
    "annual@demo.test",
)

BRAND = compliance.BrandFields(
    legal_name="Demo Co LLC",
    ein="12-3456789",
    street="1 Market St",
    city="San Francisco",
    state="CA",
    postal_code="94105",
    country="US",
    website="https://demo.co",
    vertical="retail",
    contact_name="Olivia Owner",
    contact_email="owner@demo.test",
    contact_phone="+1 415 555 0100",
)
CAMPAIGN = compliance.CampaignFields(
    use_case="marketing",
    description="Weekly offers and order updates for customers who joined at checkout.",
    sample_messages=(
        "Demo Co: 20% off everything this weekend! Reply STOP to opt out.",
        "Demo Co: your order 1042 has shipped. Reply STOP to opt out.",
    ),
    opt_in_description="Customers tick an unticked SMS consent box at checkout.",
    opt_out_message="Demo Co: you are unsubscribed and will get no more messages.",
    help_message="Demo Co: get help at support@demo.co or +1 415 555 0100.",
)


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        accounts_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@dataclass
class Demo:
    """The demo accounts, and a way to run one unit of work as one of their users."""

    sessions: sessionmaker[Session]
    now: datetime

    def user(self, session: Session, email: str) -> User:
        return user_by_email(session, email)

    def run(self, email: str, work: Callable[[Session, User], object]) -> object:
        with transaction(self.sessions) as session:
            return work(session, user_by_email(session, email))

    def account_id(self, email: str) -> int:
        with transaction(self.sessions) as session:
            return user_by_email(session, email).account_id

    def drafts(self, email: str = OWNER) -> None:
        def work(session: Session, user: User) -> None:
            compliance.save_brand(session, actor=user, values=BRAND, now=self.now)
            compliance.save_campaign(session, actor=user, values=CAMPAIGN, now=self.now)

        self.run(email, work)

    def submit(self, email: str = OWNER) -> compliance.RegistrationStatus:
        def work(session: Session, user: User) -> compliance.RegistrationStatus:
            return compliance.submit(session, actor=user, now=self.now)

        result = self.run(email, work)
        assert isinstance(result, compliance.RegistrationStatus)
        return result

    def status(self, email: str = OWNER) -> compliance.RegistrationStatus:
        with transaction(self.sessions) as session:
            return compliance.registration_status(
                session, account_id=user_by_email(session, email).account_id
            )


@pytest.fixture
def demo(db: sessionmaker[Session], catalog: Catalog, now: datetime) -> Demo:
    with transaction(db) as session:
        seed(session, password="demo-password", catalog=catalog, now=now)
    return Demo(db, now)
