"""A busy Demo Co for layout tests: the add-on bought, a business profile, a sender number, a
10DLC draft, contacts, messages in every common state (long reasons included), API tokens
with long names, permission changes and a manual adjustment, so every table has rows."""

from __future__ import annotations

from smsaddon import billing, compliance, credits
from smsaddon.accounts import Role, user_by_email
from smsaddon.accounts.service import set_permissions
from smsaddon.accounts.tokens import create_token, revoke_token
from smsaddon.db import transaction, utcnow
from smsaddon.gateways import Simulator, SimulatorConfig
from smsaddon.sms import contacts, messages, optouts
from smsaddon.worker import Worker
from tests.compliance.conftest import BRAND
from tests.compliance.test_validation import PROFILE
from tests.sending.daytime import daytime_numbers
from tests.web.webtools import LiveServer

OWNER = "owner@demo.test"
US_NUMBERS = ("+12125550123", "+17875550123")  # New York, Puerto Rico: blocked until 10DLC


def make_busy(server: LiveServer) -> None:
    """Fill Demo Co through the services, as its people would have over a week."""
    server.buy(OWNER)
    server.buy(OWNER, bundle_credits=1000)
    now = utcnow()
    daytime = daytime_numbers(server.catalog, 4, now)
    with transaction(server.sessions) as session:
        owner = user_by_email(session, OWNER)
        member = user_by_email(session, "member@demo.test")
        compliance.save_profile(session, actor=owner, values=PROFILE, now=now)
        compliance.provision_number(
            session, actor=owner, provider=compliance.SimulatedPool(), country="US", now=now
        )
        compliance.save_brand(session, actor=owner, values=BRAND, now=now)
        set_permissions(session, actor=owner, user_id=member.id, can_bill=True, now=now)
        set_permissions(session, actor=owner, user_id=member.id, can_bill=False, now=now)
        set_permissions(session, actor=owner, user_id=member.id, role=Role.ADMIN, now=now)
        for name in ("CRM sync for the spring campaign", "Zapier", "[/] [bold]markup[/bold]"):
            create_token(session, user=owner, name=name, now=now)
        revoked, _ = create_token(session, user=owner, name="Old integration", now=now)
        revoke_token(session, user=owner, now=now, token_id=revoked.id)
        credits.adjust(
            session,
            account_id=owner.account_id,
            credits=250,
            reason="Goodwill after the outage on Tuesday",
            actor_user_id=owner.id,
            now=now,
            key="busy:adjust",
            expires_at=billing.credit_summary(
                session, account_id=owner.account_id, catalog=server.catalog, now=now
            ).period_end,
        )
    rows = [*daytime, *US_NUMBERS]
    csv = "phone,name\n" + "".join(f"{n},Customer number {i}\n" for i, n in enumerate(rows))
    contacts.import_csv(
        server.sessions, account_id=owner.account_id, data=csv, now=now, list_name="Spring sale"
    )
    with transaction(server.sessions) as session:
        owner = user_by_email(session, OWNER)
        optouts.add_opt_out(session, actor=owner, number=daytime[-1], now=now)
        messages.send_broadcast(
            session,
            actor=owner,
            list_name="Spring sale",
            body="Spring sale: 20% off everything until Sunday. Reply STOP to opt out.",
            catalog=server.catalog,
            now=now,
        )
        messages.send_message(
            session,
            actor=owner,
            to=daytime[0],
            body="Your order has shipped 📦",
            catalog=server.catalog,
            now=now,
        )
    Worker(server.sessions, Simulator(SimulatorConfig(dlr_delay=0))).drain()
