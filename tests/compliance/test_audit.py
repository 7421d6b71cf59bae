"""The audit log: each audited action writes its entry (who, what, when, from where), the
log is append-only, only admins read it, and only their own account's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smsaddon import audit, billing, compliance, credits
from smsaddon.accounts import User
from smsaddon.accounts.tokens import create_token, revoke_token
from smsaddon.audit import AppendOnly, AuditEntry
from smsaddon.catalog import Catalog
from smsaddon.db import transaction
from smsaddon.errors import NotFound, PermissionDenied
from tests.compliance.test_setup import get_number, save_profile
from tests.compliance.test_validation import PROFILE
from tests.fixtures.compliance import BILLING, MEMBER, OTHER, OWNER, Demo


def entries(demo: Demo, email: str = OWNER, **filters: object) -> list[audit.Entry]:
    with transaction(demo.sessions) as session:
        return audit.list_entries(session, actor=demo.user(session, email), **filters)  # type: ignore[arg-type]


def test_every_audited_action_writes_who_what_when_and_from_where(
    demo: Demo, catalog: Catalog
) -> None:
    now = demo.now
    with audit.origin_scope("203.0.113.7"):
        with transaction(demo.sessions) as session:  # a purchase, as the billing user
            user = demo.user(session, BILLING)
            quote = billing.quote_add_addon(
                session, actor=user, catalog=catalog, now=now, ttl_seconds=600
            )
            billing.confirm(
                session,
                actor=user,
                quote_id=quote.id,
                catalog=catalog,
                payments=billing.AccountBillingProvider(),
                now=now,
            )
        with transaction(demo.sessions) as session:
            owner = demo.user(session, OWNER)
            token, _ = create_token(session, user=owner, name="CRM", now=now)
            revoke_token(session, user=owner, token_id=token.id, now=now)
            revoke_token(session, user=owner, token_id=token.id, now=now)  # no second entry
            credits.adjust(
                session,
                account_id=owner.account_id,
                credits=25,
                reason="Goodwill",
                actor_user_id=owner.id,
                now=now,
                key="goodwill-1",
                expires_at=now + timedelta(days=10),
            )
            credits.adjust(
                session,
                account_id=owner.account_id,
                credits=25,
                reason="Goodwill",
                actor_user_id=owner.id,
                now=now,
                key="goodwill-1",
                expires_at=now + timedelta(days=10),
            )  # a retry: no second entry
        save_profile(demo)
        get_number(demo)
        demo.drafts()
        demo.submit()
    with audit.origin_scope("cli"), transaction(demo.sessions) as session:
        compliance.reject(session, account_id=demo.account_id(OWNER), reason="Bad EIN.", now=now)
    demo.submit()
    with transaction(demo.sessions) as session:
        compliance.review_due(session, reviewer=compliance.SimulatedReviewer(timedelta(0)), now=now)

    found = list(reversed(entries(demo)))
    assert [e.action for e in found] == [
        "purchase.confirmed",
        "token.created",
        "token.revoked",
        "credits.adjusted",
        "profile.saved",
        "number.provisioned",
        "registration.brand_saved",
        "registration.campaign_saved",
        "registration.submitted",
        "registration.rejected",
        "registration.submitted",
        "registration.approved",
    ]
    assert {e.created_at for e in found} == {now}
    purchase = found[0]
    assert purchase.actor == "Bill Ingram <billing@demo.test>"
    assert purchase.origin == "203.0.113.7"
    assert purchase.details["quote_id"] == quote.id and purchase.details["kind"] == "add_addon"
    assert found[3].details == {"credits": 25, "reason": "Goodwill", "key": "goodwill-1"}
    rejected, approved = found[9], found[11]
    assert (rejected.actor, rejected.origin, rejected.actor_user_id) == ("Operator", "cli", None)
    assert rejected.details["reason"] == "Bad EIN."
    assert (approved.actor, approved.origin) == ("Registration reviewer", "reviewer")
    assert found[10].origin == "system"  # no entrypoint said where it came from


def test_the_log_is_append_only(demo: Demo) -> None:
    save_profile(demo)
    with pytest.raises(AppendOnly), transaction(demo.sessions) as session:
        session.scalars(select(AuditEntry)).one().action = "profile.deleted"
    with pytest.raises(AppendOnly), transaction(demo.sessions) as session:
        session.delete(session.scalars(select(AuditEntry)).one())
    assert [e.action for e in entries(demo)] == ["profile.saved"]


def test_nothing_is_recorded_when_the_change_is_refused(demo: Demo) -> None:
    with pytest.raises(PermissionDenied):
        demo.drafts(MEMBER)
    with pytest.raises(PermissionDenied), transaction(demo.sessions) as session:
        compliance.submit(session, actor=demo.user(session, MEMBER), now=demo.now)
    assert entries(demo) == []


@pytest.mark.parametrize("email", [BILLING, MEMBER])
def test_only_admins_read_the_log(demo: Demo, email: str) -> None:
    save_profile(demo)
    with pytest.raises(PermissionDenied):
        entries(demo, email)
    with pytest.raises(PermissionDenied), transaction(demo.sessions) as session:
        audit.get_entry(session, actor=demo.user(session, email), entry_id=1)


def test_another_accounts_entries_are_invisible(demo: Demo) -> None:
    save_profile(demo)
    save_profile(demo, OTHER)
    mine, theirs = entries(demo), entries(demo, OTHER)
    assert len(mine) == len(theirs) == 1 and mine[0].id != theirs[0].id
    with transaction(demo.sessions) as session:
        owner: User = demo.user(session, OWNER)
        assert audit.get_entry(session, actor=owner, entry_id=mine[0].id).id == mine[0].id
        with pytest.raises(NotFound):
            audit.get_entry(session, actor=owner, entry_id=theirs[0].id)


def test_filters_by_action_area_person_time_and_page(demo: Demo) -> None:
    save_profile(demo)
    demo.drafts()
    demo.submit()
    assert len(entries(demo)) == 4
    assert [e.action for e in entries(demo, action="registration.submitted")] == [
        "registration.submitted"
    ]
    assert len(entries(demo, action="registration")) == 3
    assert entries(demo, action="registr") == []
    with transaction(demo.sessions) as session:
        owner_id = demo.user(session, OWNER).id
        member_id = demo.user(session, MEMBER).id
    assert len(entries(demo, actor_user_id=owner_id)) == 4
    assert entries(demo, actor_user_id=member_id) == []
    assert len(entries(demo, since=demo.now)) == 4
    assert entries(demo, until=demo.now) == []
    first_page = entries(demo, limit=3)
    rest = entries(demo, limit=3, before_id=first_page[-1].id)
    assert [e.action for e in rest] == ["profile.saved"]


def test_entries_survive_only_with_their_change(demo: Demo) -> None:
    """An entry is written in the change's transaction: a rolled-back change leaves none."""
    with pytest.raises(RuntimeError), transaction(demo.sessions) as session:
        compliance.save_profile(
            session, actor=demo.user(session, OWNER), values=PROFILE, now=demo.now
        )
        raise RuntimeError("the request failed after the change")
    assert entries(demo) == []
