"""The demo world the billing tests drive: Demo Co and friends at a fixed instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from smsaddon import billing
from smsaddon.accounts import User, find_account, user_by_email
from smsaddon.billing.models import Invoice, Purchase, Quote, Subscription
from smsaddon.catalog import Catalog
from smsaddon.db import transaction

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # Demo Co's anchor is 2026-10-29 00:00
PERIOD_END = datetime(2026, 11, 29, tzinfo=UTC)
LEFT, MONTH = 1_598_400, 2_678_400  # seconds left in / of the billing period Oct 29 - Nov 29
TTL = 1800
ACCOUNT = billing.AccountBillingProvider()


@dataclass
class World:
    sessions: sessionmaker[Session]
    catalog: Catalog

    def user(self, session: Session, email: str) -> User:
        return user_by_email(session, email)

    def quote_addon(self, email: str = "owner@demo.test", now: datetime = NOW) -> Quote:
        with transaction(self.sessions) as s:
            return billing.quote_add_addon(
                s, actor=self.user(s, email), catalog=self.catalog, now=now, ttl_seconds=TTL
            )

    def quote_bundle(
        self, credits_: int, email: str = "owner@demo.test", now: datetime = NOW
    ) -> Quote:
        with transaction(self.sessions) as s:
            return billing.quote_change_bundle(
                s,
                actor=self.user(s, email),
                catalog=self.catalog,
                bundle_credits=credits_,
                now=now,
                ttl_seconds=TTL,
            )

    def confirm(
        self,
        quote_id: str,
        email: str = "owner@demo.test",
        now: datetime = NOW,
        payments: billing.PaymentProvider = ACCOUNT,
    ) -> Purchase:
        with transaction(self.sessions) as s:
            return billing.confirm(
                s,
                actor=self.user(s, email),
                quote_id=quote_id,
                catalog=self.catalog,
                payments=payments,
                now=now,
            )

    def buy(self, quote: Quote, now: datetime = NOW) -> Purchase:
        return self.confirm(quote.id, now=now)

    def summary(self, account: str = "Demo Co", now: datetime = NOW) -> billing.CreditSummary:
        with transaction(self.sessions) as s:
            return billing.credit_summary(
                s, account_id=find_account(s, account).id, catalog=self.catalog, now=now
            )

    def subscription(self, account: str = "Demo Co") -> Subscription:
        with transaction(self.sessions) as s:
            return billing.get_subscription(s, find_account(s, account).id)

    def invoices(self, account: str = "Demo Co") -> list[Invoice]:
        with transaction(self.sessions) as s:
            return billing.list_invoices(s, account_id=find_account(s, account).id)
