"""The business profile, sender numbers from the simulated pool, and the Getting started
steps with their state and next action."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from smsaddon import compliance
from smsaddon.accounts import User
from smsaddon.db import transaction
from smsaddon.errors import Conflict, ValidationFailed
from tests.compliance.test_validation import PROFILE
from tests.fixtures.compliance import OTHER, OWNER, Demo
from tests.fixtures.snapshots import snapshot


def steps(demo: Demo, email: str = OWNER) -> dict[str, str]:
    with transaction(demo.sessions) as session:
        found = compliance.getting_started(session, account_id=demo.user(session, email).account_id)
    return {step.key: step.state for step in found}


def save_profile(demo: Demo, email: str = OWNER) -> None:
    demo.run(email, lambda s, u: compliance.save_profile(s, actor=u, values=PROFILE, now=demo.now))


def get_number(
    demo: Demo,
    email: str = OWNER,
    pool: compliance.SimulatedPool | None = None,
    country: str = "US",
) -> compliance.SenderNumber:
    def work(session: Session, user: User) -> compliance.SenderNumber:
        return compliance.provision_number(
            session,
            actor=user,
            provider=pool or compliance.SimulatedPool(),
            country=country,
            now=demo.now,
        )

    number = demo.run(email, work)
    assert isinstance(number, compliance.SenderNumber)
    return number


def test_the_steps_follow_what_the_account_has_done(demo: Demo) -> None:
    assert steps(demo) == {
        "profile": "todo",
        "number": "blocked",
        "registration": "todo",
        "first_message": "blocked",
    }
    save_profile(demo)
    assert steps(demo)["profile"] == "done" and steps(demo)["number"] == "todo"
    get_number(demo)
    assert steps(demo) == {
        "profile": "done",
        "number": "done",
        "registration": "todo",
        "first_message": "todo",
    }
    with transaction(demo.sessions) as session:
        account_id = demo.user(session, OWNER).account_id
        first = compliance.getting_started(session, account_id=account_id)[-1]
    # A test message goes to the profile's own phone, "(415) 555-0100" in the US, prefilled.
    assert (first.action_url, first.action_label) == (
        "/compose?to=%2B14155550100",
        "Send a test message",
    )
    assert "+14155550100" in first.summary
    demo.drafts()
    demo.submit()
    assert steps(demo)["registration"] == "waiting"
    account_id = demo.account_id(OWNER)
    with transaction(demo.sessions) as session:
        compliance.reject(session, account_id=account_id, reason="Bad EIN.", now=demo.now)
        found = compliance.getting_started(session, account_id=account_id)
    registration = next(step for step in found if step.key == "registration")
    assert registration.state == "attention" and "Bad EIN." in registration.summary
    assert compliance.next_step(found) == registration


def test_the_profile_is_validated_and_replaced(demo: Demo) -> None:
    before = snapshot(demo.sessions)
    with pytest.raises(ValidationFailed) as error:
        demo.run(
            OWNER,
            lambda s, u: compliance.save_profile(
                s, actor=u, values=replace(PROFILE, website="nope", contact_email="x"), now=demo.now
            ),
        )
    assert set(error.value.details["fields"]) == {"website", "contact_email"}
    assert snapshot(demo.sessions) == before
    save_profile(demo)
    demo.run(
        OWNER,
        lambda s, u: compliance.save_profile(
            s, actor=u, values=replace(PROFILE, city="Oakland"), now=demo.now
        ),
    )
    with transaction(demo.sessions) as session:
        profile = compliance.get_profile(session, account_id=demo.account_id(OWNER))
        assert profile is not None and profile.city == "Oakland"
        brand = compliance.brand_defaults(session, account_id=profile.account_id)
    assert (brand.legal_name, brand.city, brand.ein) == ("Demo Co", "Oakland", "")


def test_numbers_come_from_the_pool_one_per_account_never_shared(demo: Demo) -> None:
    before = snapshot(demo.sessions)
    with pytest.raises(Conflict, match="business profile first"):
        get_number(demo)
    assert snapshot(demo.sessions) == before
    save_profile(demo)
    save_profile(demo, OTHER)
    pool = compliance.SimulatedPool({"US": ("+14155550100", "+14155550101")})
    first = get_number(demo, pool=pool)
    assert (first.e164, first.country, first.provider) == ("+14155550100", "US", "simulated")
    with pytest.raises(Conflict, match="has its sender number already"):
        get_number(demo, pool=pool)
    with pytest.raises(ValidationFailed, match="not GB"):
        get_number(demo, OTHER, pool=pool, country="GB")
    assert get_number(demo, OTHER, pool=pool).e164 == "+14155550101"


def test_an_empty_pool_says_so(demo: Demo) -> None:
    save_profile(demo)
    with pytest.raises(Conflict, match="no free sender number in US"):
        get_number(demo, pool=compliance.SimulatedPool({"US": ()}))
