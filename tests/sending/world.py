"""A sending world: Demo Co with the SMS add-on, a simulator, a clock, and helpers to send,
look and check (used by the tests and by the soak)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import billing, credits
from smsaddon.accounts import User, find_account, user_by_email
from smsaddon.billing.demo import seed
from smsaddon.catalog import Catalog
from smsaddon.credits.models import CreditHold
from smsaddon.db import transaction
from smsaddon.gateways import Simulator
from smsaddon.sms import contacts, messages
from smsaddon.sms.models import GatewayRef, Message
from smsaddon.worker import Worker

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # midday in London, night in Sydney
OWNER = "owner@demo.test"
GB = "+447400123456"  # 5 credits a segment
IE = "+353851234567"  # 6 credits a segment


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Sending:
    sessions: sessionmaker[Session]
    catalog: Catalog
    clock: Clock = field(default_factory=Clock)
    simulator: Simulator = field(default_factory=Simulator)

    def worker(self, **kwargs: object) -> Worker:
        return Worker(self.sessions, self.simulator, clock=self.clock, **kwargs)  # type: ignore[arg-type]

    def user(self, session: Session, email: str = OWNER) -> User:
        return user_by_email(session, email)

    def account_id(self, name: str = "Demo Co") -> int:
        with transaction(self.sessions) as s:
            return find_account(s, name).id

    def send(
        self,
        to: str,
        body: str = "Hello from Demo Co",
        email: str = OWNER,
        send_at: datetime | None = None,
    ) -> Message:
        with transaction(self.sessions) as s:
            return messages.send_message(
                s,
                actor=self.user(s, email),
                to=to,
                body=body,
                catalog=self.catalog,
                now=self.clock(),
                send_at=send_at,
            )

    def broadcast(
        self, list_name: str, body: str = "Sale today", email: str = OWNER
    ) -> messages.BroadcastResult:
        with transaction(self.sessions) as s:
            return messages.send_broadcast(
                s,
                actor=self.user(s, email),
                list_name=list_name,
                body=body,
                catalog=self.catalog,
                now=self.clock(),
            )

    def add_list(self, name: str, numbers: list[str], account: str = "Demo Co") -> None:
        data = "phone,name\n" + "".join(f"{n},Person {i}\n" for i, n in enumerate(numbers))
        with transaction(self.sessions) as s:
            account_id = find_account(s, account).id
        contacts.import_csv(
            self.sessions, account_id=account_id, data=data, now=self.clock(), list_name=name
        )

    def gateway_ids(self, message_id: int) -> list[str]:
        with transaction(self.sessions) as s:
            query = select(GatewayRef.gateway_id).where(GatewayRef.message_id == message_id)
            return list(s.scalars(query))

    def message(self, message_id: int) -> Message:
        with transaction(self.sessions) as s:
            return s.get_one(Message, message_id)

    def all_messages(self) -> list[Message]:
        with transaction(self.sessions) as s:
            return list(s.scalars(select(Message).order_by(Message.id)))

    def hold(self, message_id: int) -> CreditHold | None:
        with transaction(self.sessions) as s:
            return s.scalar(select(CreditHold).where(CreditHold.ref == f"msg:{message_id}"))

    def balance(self, account: str = "Demo Co") -> credits.Balance:
        with transaction(self.sessions) as s:
            return credits.balance(s, account_id=find_account(s, account).id, now=self.clock())

    def invariants(self) -> list[str]:
        with transaction(self.sessions) as s:
            return credits.check_invariants(s, now=self.clock())

    def grant(self, amount: int, account: str = "Demo Co") -> None:
        with transaction(self.sessions) as s:
            credits.grant(
                s,
                account_id=find_account(s, account).id,
                credits=amount,
                source=credits.GrantSource.MANUAL,
                starts_at=self.clock() - timedelta(days=1),
                expires_at=self.clock() + timedelta(days=20),
                key=f"test:{amount}",
                now=self.clock(),
            )


def buy_addon(sessions: sessionmaker[Session], catalog: Catalog, now: datetime = NOW) -> None:
    with transaction(sessions) as s:
        quote = billing.quote_add_addon(
            s, actor=user_by_email(s, OWNER), catalog=catalog, now=now, ttl_seconds=1800
        )
    with transaction(sessions) as s:
        billing.confirm(
            s,
            actor=user_by_email(s, OWNER),
            quote_id=quote.id,
            catalog=catalog,
            payments=billing.AccountBillingProvider(),
            now=now,
        )


def seeded_world(
    sessions: sessionmaker[Session], catalog: Catalog, now: datetime, credits: int
) -> Sending:
    """The demo data with the SMS add-on bought at `now` and `credits` more granted."""
    with transaction(sessions) as s:
        seed(s, password="demo-password", catalog=catalog, now=now)
    buy_addon(sessions, catalog, now)
    world = Sending(sessions, catalog)
    world.clock.now = now
    world.grant(credits)
    return world
