"""The 10DLC lifecycle on SQLite and PostgreSQL: every transition, every refused one (each
leaving every table as it was), who may do what, and the US gate."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from smsaddon import compliance
from smsaddon.accounts import User
from smsaddon.db import transaction
from smsaddon.errors import Conflict, PermissionDenied, RegistrationRequired, ValidationFailed
from smsaddon.gateways import Simulator, SimulatorConfig
from smsaddon.worker import Worker
from tests.fixtures.compliance import BILLING, BRAND, CAMPAIGN, MEMBER, OTHER, OWNER, Demo
from tests.fixtures.snapshots import snapshot


def decide(demo: Demo, email: str, verdict: str, reason: str = "") -> None:
    account_id = demo.account_id(email)
    with transaction(demo.sessions) as session:
        if verdict == "approve":
            compliance.approve(session, account_id=account_id, now=demo.now)
        elif verdict == "reject":
            compliance.reject(session, account_id=account_id, reason=reason, now=demo.now)
        else:
            compliance.suspend(session, account_id=account_id, reason=reason, now=demo.now)


def refused(demo: Demo, error: type[Exception], action: object) -> Exception:
    """`action()` raises `error` and every table is as it was before."""
    before = snapshot(demo.sessions)
    with pytest.raises(error) as raised:
        action()  # type: ignore[operator]
    assert snapshot(demo.sessions) == before
    return raised.value


def test_not_started_draft_submitted_rejected_resubmitted_approved_suspended(demo: Demo) -> None:
    assert demo.status().status == "not_started"
    demo.drafts()
    status = demo.status()
    assert (status.status, status.brand_status, status.campaign_status) == ("draft",) * 3
    status = demo.submit()
    assert (status.status, status.brand_status, status.submissions) == ("submitted",) * 2 + (1,)
    assert status.under_review and status.submitted_at == demo.now

    decide(demo, OWNER, "reject", "The EIN does not match the legal name.")
    status = demo.status()
    assert (status.status, status.brand_status) == ("rejected", "rejected")
    assert status.reason == "The EIN does not match the legal name."

    fixed = replace(BRAND, ein="98-7654321")
    demo.run(OWNER, lambda s, u: compliance.save_brand(s, actor=u, values=fixed, now=demo.now))
    assert demo.status().status == "rejected"  # still, until it is submitted again
    status = demo.submit()
    assert (status.status, status.reason, status.submissions) == ("submitted", None, 2)

    decide(demo, OWNER, "approve")
    status = demo.status()
    assert (status.status, status.brand_status, status.may_send_to_us) == (
        "approved",
        "approved",
        True,
    )

    decide(demo, OWNER, "suspend", "Messages sent without consent.")
    status = demo.status()
    assert (status.status, status.brand_status, status.reason) == (
        "suspended",
        "approved",
        "Messages sent without consent.",
    )
    assert not status.may_send_to_us

    # A suspended campaign is corrected and submitted again; the approved brand stays as it is.
    demo.run(
        OWNER, lambda s, u: compliance.save_campaign(s, actor=u, values=CAMPAIGN, now=demo.now)
    )
    status = demo.submit()
    assert (status.status, status.brand_status, status.campaign_status) == (
        "submitted",
        "approved",
        "submitted",
    )
    decide(demo, OWNER, "approve")
    assert demo.status().status == "approved"


def test_a_rejected_campaign_alone_is_resubmitted_when_the_brand_was_approved(demo: Demo) -> None:
    demo.drafts()
    demo.submit()
    decide(demo, OWNER, "approve")
    decide(demo, OWNER, "suspend", "Too many complaints.")
    demo.submit()
    decide(demo, OWNER, "reject", "Sample 1 is not what you send.")
    status = demo.status()
    assert (status.brand_status, status.campaign_status) == ("approved", "rejected")


def test_refused_transitions_change_nothing(demo: Demo) -> None:
    account_id = demo.account_id(OWNER)

    def approve() -> None:
        with transaction(demo.sessions) as session:
            compliance.approve(session, account_id=account_id, now=demo.now)

    def reject() -> None:
        with transaction(demo.sessions) as session:
            compliance.reject(session, account_id=account_id, reason="No.", now=demo.now)

    def suspend() -> None:
        with transaction(demo.sessions) as session:
            compliance.suspend(session, account_id=account_id, reason="No.", now=demo.now)

    def save_brand() -> None:
        demo.run(OWNER, lambda s, u: compliance.save_brand(s, actor=u, values=BRAND, now=demo.now))

    def save_campaign() -> None:
        demo.run(
            OWNER, lambda s, u: compliance.save_campaign(s, actor=u, values=CAMPAIGN, now=demo.now)
        )

    # Not started: nothing to decide, suspend, or submit.
    for action in (approve, reject, suspend):
        refused(demo, Conflict, action)
    refused(demo, ValidationFailed, demo.submit)
    # Draft: nothing to decide or suspend.
    demo.drafts()
    for action in (approve, reject, suspend):
        refused(demo, Conflict, action)
    # Submitted: locked; not submitted twice; not suspended.
    demo.submit()
    for action in (save_brand, save_campaign, demo.submit, suspend):
        error = refused(demo, Conflict, action)
        assert "under review" in str(error)
    # Rejected: no second decision, no suspension.
    reject()
    for action in (approve, reject, suspend):
        refused(demo, Conflict, action)
    # Approved: no changes, no resubmission, no second decision.
    demo.submit()
    approve()
    for action in (save_brand, save_campaign, demo.submit, approve, reject):
        refused(demo, Conflict, action)
    # Suspended: no second suspension, no decision.
    suspend()
    for action in (suspend, approve, reject):
        refused(demo, Conflict, action)


def test_drafts_saved_together_are_refused_whole_and_change_nothing(demo: Demo) -> None:
    def save_drafts(campaign: compliance.CampaignFields) -> None:
        demo.run(
            OWNER,
            lambda s, u: compliance.save_drafts(
                s, actor=u, brand=BRAND, campaign=campaign, now=demo.now
            ),
        )

    # A right brand is not saved when the campaign beside it is wrong.
    error = refused(demo, ValidationFailed, lambda: save_drafts(replace(CAMPAIGN, use_case="x")))
    assert isinstance(error, ValidationFailed) and set(error.details["fields"]) == {"use_case"}
    assert demo.status().status == "not_started"
    # Under review, both are locked.
    demo.drafts()
    demo.submit()
    error = refused(demo, Conflict, lambda: save_drafts(CAMPAIGN))
    assert "under review" in str(error)


def test_a_decision_needs_a_reason_to_reject_or_suspend(demo: Demo) -> None:
    demo.drafts()
    demo.submit()
    error = refused(demo, ValidationFailed, lambda: decide(demo, OWNER, "reject", "   "))
    assert isinstance(error, ValidationFailed) and error.details["field"] == "reason"


@pytest.mark.parametrize("email", [BILLING, MEMBER])
def test_only_admins_change_or_submit_and_a_refusal_changes_nothing(demo: Demo, email: str) -> None:
    def attempt(work: object) -> None:
        demo.run(email, work)  # type: ignore[arg-type]

    now = demo.now
    attempts = [
        lambda s, u: compliance.save_brand(s, actor=u, values=BRAND, now=now),
        lambda s, u: compliance.save_campaign(s, actor=u, values=CAMPAIGN, now=now),
        lambda s, u: compliance.save_drafts(s, actor=u, brand=BRAND, campaign=CAMPAIGN, now=now),
        lambda s, u: compliance.submit(s, actor=u, now=now),
        lambda s, u: compliance.save_profile(
            s, actor=u, values=compliance.ProfileFields(), now=now
        ),
        lambda s, u: compliance.provision_number(
            s, actor=u, provider=compliance.SimulatedPool(), country="US", now=now
        ),
    ]
    for work in attempts:
        refused(demo, PermissionDenied, lambda w=work: attempt(w))  # type: ignore[misc]
    demo.drafts(OWNER)  # with complete drafts, the submission itself is still refused
    refused(demo, PermissionDenied, lambda: demo.submit(email))
    assert demo.status().status == "draft"


def test_an_admin_who_is_not_the_primary_admin_may_submit(demo: Demo) -> None:
    from smsaddon.accounts import Role, add_user

    with transaction(demo.sessions) as session:
        owner = demo.user(session, OWNER)
        add_user(
            session,
            account_id=owner.account_id,
            email="admin@demo.test",
            name="Ada Admin",
            password="demo-password",
            role=Role.ADMIN,
            can_bill=False,
            now=demo.now,
        )
    demo.drafts("admin@demo.test")
    assert demo.submit("admin@demo.test").status == "submitted"


def test_another_accounts_registration_is_its_own(demo: Demo) -> None:
    demo.drafts(OWNER)
    demo.submit(OWNER)
    assert demo.status(OTHER).status == "not_started"
    refused(demo, ValidationFailed, lambda: demo.submit(OTHER))  # nothing of Demo Co's is used


# The gate ----------------------------------------------------------------------------------


def gate(demo: Demo, region: str) -> None:
    with transaction(demo.sessions) as session:
        compliance.require_us_registration(
            session, account_id=demo.account_id(OWNER), region=region
        )


@pytest.mark.parametrize("region", ["US", "PR", "GU", "VI", "AS", "MP", "UM", "us", "pr"])
def test_us_numbers_and_territories_are_refused_until_approved(demo: Demo, region: str) -> None:
    error = refused(demo, RegistrationRequired, lambda: gate(demo, region))
    assert isinstance(error, RegistrationRequired)
    assert error.code == "registration_required" and error.status == 403
    assert "/getting-started" in error.message and "10DLC" in error.message
    assert error.details["registration_status"] == "not_started"
    demo.drafts()
    demo.submit()
    error = refused(demo, RegistrationRequired, lambda: gate(demo, region))
    assert "under review" in str(error)
    decide(demo, OWNER, "approve")
    gate(demo, region)  # allowed
    decide(demo, OWNER, "suspend", "Complaints.")
    error = refused(demo, RegistrationRequired, lambda: gate(demo, region))
    assert "suspended" in str(error)


@pytest.mark.parametrize("region", ["GB", "CA", "AU", "NZ", "JM", "DO"])
def test_other_countries_never_need_the_registration(demo: Demo, region: str) -> None:
    gate(demo, region)
    assert not compliance.is_us_region(region)


def test_the_gate_names_each_state(demo: Demo) -> None:
    demo.drafts()
    assert "draft" in str(refused(demo, RegistrationRequired, lambda: gate(demo, "US")))
    demo.submit()
    decide(demo, OWNER, "reject", "Bad website.")
    assert "rejected" in str(refused(demo, RegistrationRequired, lambda: gate(demo, "US")))


# The simulated reviewer ---------------------------------------------------------------------


def review(demo: Demo, reviewer: compliance.Reviewer, after: timedelta) -> int:
    with transaction(demo.sessions) as session:
        return compliance.review_due(session, reviewer=reviewer, now=demo.now + after)


def test_the_simulated_reviewer_approves_after_its_delay(demo: Demo) -> None:
    demo.drafts()
    demo.submit()
    reviewer = compliance.SimulatedReviewer(delay=timedelta(minutes=5))
    assert review(demo, reviewer, timedelta(minutes=4)) == 0
    assert demo.status().status == "submitted"
    assert review(demo, reviewer, timedelta(minutes=5)) == 1
    assert demo.status().status == "approved"
    assert review(demo, reviewer, timedelta(minutes=6)) == 0


@pytest.mark.parametrize(
    ("brand", "campaign", "words"),
    [
        (replace(BRAND, ein="00-0000000"), CAMPAIGN, "EIN"),
        (replace(BRAND, website="https://shop.example.com"), CAMPAIGN, "website"),
        (
            BRAND,
            replace(CAMPAIGN, description="Casino nights and offers for our members, weekly."),
            "casino",
        ),
    ],
)
def test_the_simulated_reviewer_rejects_by_rule_with_a_reason(
    demo: Demo,
    brand: compliance.BrandFields,
    campaign: compliance.CampaignFields,
    words: str,
) -> None:
    def work(session: Session, user: User) -> None:
        compliance.save_drafts(session, actor=user, brand=brand, campaign=campaign, now=demo.now)
        compliance.submit(session, actor=user, now=demo.now)

    demo.run(OWNER, work)
    assert review(demo, compliance.SimulatedReviewer(), timedelta(0)) == 1
    status = demo.status()
    assert status.status == "rejected" and words.lower() in (status.reason or "").lower()


def test_without_a_delay_the_reviewer_leaves_the_decision_to_the_operator(demo: Demo) -> None:
    demo.drafts()
    demo.submit()
    assert review(demo, compliance.SimulatedReviewer(), timedelta(days=30)) == 0
    assert demo.status().status == "submitted"


def test_the_reviewer_comes_from_the_settings() -> None:
    from smsaddon.config import load_settings
    from smsaddon.errors import ConfigError
    from smsaddon.wiring import build_services

    assert build_services(load_settings({})).reviewer == compliance.SimulatedReviewer()
    reviewer = build_services(load_settings({"SMSADDON_REVIEW_DELAY_SECONDS": "90"})).reviewer
    assert reviewer == compliance.SimulatedReviewer(delay=timedelta(seconds=90))
    for bad in ("soon", "-1"):
        with pytest.raises(ConfigError, match="SMSADDON_REVIEW_DELAY_SECONDS"):
            load_settings({"SMSADDON_REVIEW_DELAY_SECONDS": bad})


def test_the_worker_applies_the_reviewers_decision_once_it_is_due(demo: Demo) -> None:
    # Given a submitted registration and a worker whose reviewer approves after 5 minutes,
    demo.drafts()
    demo.submit()
    clock = {"now": demo.now + timedelta(minutes=4)}
    worker = Worker(
        demo.sessions,
        Simulator(SimulatorConfig()),
        clock=lambda: clock["now"],
        reviewer=compliance.SimulatedReviewer(delay=timedelta(minutes=5)),
    )
    # when the worker looks before and after the delay,
    assert worker.review_registrations() == 0
    assert demo.status().status == "submitted"
    clock["now"] = demo.now + timedelta(minutes=5)
    # then the campaign is approved once, and a worker without a reviewer decides nothing.
    assert worker.review_registrations() == 1
    assert demo.status().status == "approved"
    assert worker.review_registrations() == 0
    assert Worker(demo.sessions, Simulator(SimulatorConfig())).review_registrations() == 0
