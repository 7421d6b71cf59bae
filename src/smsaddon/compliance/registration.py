"""A2P 10DLC registration: brand and campaign drafts, submission, the review's decisions,
and the gate every message to a US number passes.

Transitions (anything else is refused with Conflict, nothing changed):
    draft -> submitted            submit (admins only; brand and campaign complete)
    submitted -> approved         approve (the reviewer or the operator)
    submitted -> rejected         reject, with a reason
    rejected -> submitted         submit again, after corrections
    approved -> suspended         suspend, with a reason (campaign only)
    suspended -> submitted        submit again, after corrections
Drafts may be edited in draft, rejected and suspended; never while submitted (locked under
review) nor once approved. The campaign's status is the registration's status.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smsaddon import audit
from smsaddon.accounts.models import User
from smsaddon.accounts.permissions import require_admin
from smsaddon.compliance.models import Brand, Campaign, Status
from smsaddon.compliance.review import Decision, Reviewer, Submission
from smsaddon.compliance.validation import (
    BrandFields,
    CampaignFields,
    Problems,
    check_brand,
    check_campaign,
    ein_digits,
    refuse,
)
from smsaddon.errors import Conflict, RegistrationRequired, ValidationFailed

# The United States and its territories in the North American Numbering Plan.
US_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM"})
REGISTER_URL = "/getting-started"
NOT_STARTED = "not_started"
EDITABLE = frozenset({Status.DRAFT, Status.REJECTED, Status.SUSPENDED})
SUBMITTABLE = EDITABLE
MAX_REASON = 1000
WHY_BLOCKED = {
    NOT_STARTED: "this account has not registered yet",
    Status.DRAFT: "this account's registration is a draft that has not been submitted",
    Status.SUBMITTED: "this account's registration is still under review",
    Status.REJECTED: "this account's registration was rejected",
    Status.SUSPENDED: "this account's campaign is suspended",
}


@dataclass(frozen=True)
class RegistrationStatus:
    """`status` is the campaign's ("not_started" before any draft)."""

    status: str
    brand_status: str | None
    campaign_status: str | None
    reason: str | None
    submitted_at: datetime | None
    decided_at: datetime | None
    submissions: int

    @property
    def may_send_to_us(self) -> bool:
        return self.status == Status.APPROVED

    @property
    def under_review(self) -> bool:
        return self.status == Status.SUBMITTED


def is_us_region(region: str) -> bool:
    return region.upper() in US_REGIONS


def registration_status(session: Session, *, account_id: int) -> RegistrationStatus:
    brand = get_brand(session, account_id=account_id)
    campaign = get_campaign(session, account_id=account_id)
    reason = None
    if campaign is not None and campaign.status in (Status.REJECTED, Status.SUSPENDED):
        reason = campaign.rejection_reason
    return RegistrationStatus(
        status=campaign.status if campaign else NOT_STARTED,
        brand_status=brand.status if brand else None,
        campaign_status=campaign.status if campaign else None,
        reason=reason,
        submitted_at=campaign.submitted_at if campaign else None,
        decided_at=campaign.decided_at if campaign else None,
        submissions=campaign.submissions if campaign else 0,
    )


def require_us_registration(session: Session, *, account_id: int, region: str) -> None:
    """Refuse a message to a number in `region` when it is the US (or a US territory) and the
    account's 10DLC campaign is not approved. Reads only; call it before any credit is held."""
    if not is_us_region(region):
        return
    status = session.scalar(select(Campaign.status).where(Campaign.account_id == account_id))
    if status == Status.APPROVED:
        return
    why = WHY_BLOCKED.get(status or NOT_STARTED, "this account's registration is not approved")
    raise RegistrationRequired(
        f"Messages to United States numbers ({region.upper()}) need an approved A2P 10DLC "
        f"brand and campaign registration, and {why}. Register under Getting started: "
        f"{REGISTER_URL}",
        region=region.upper(),
        registration_status=status or NOT_STARTED,
        register_url=REGISTER_URL,
    )


def get_brand(session: Session, *, account_id: int, lock: bool = False) -> Brand | None:
    query = select(Brand).where(Brand.account_id == account_id)
    return session.scalar(query.with_for_update() if lock else query)


def get_campaign(session: Session, *, account_id: int, lock: bool = False) -> Campaign | None:
    query = select(Campaign).where(Campaign.account_id == account_id)
    return session.scalar(query.with_for_update() if lock else query)


def save_brand(session: Session, *, actor: User, values: BrandFields, now: datetime) -> Brand:
    """Create or update the brand draft (admins only). Filled fields must be right."""
    require_admin(actor)
    brand, values, problems = _brand_draft(session, actor.account_id, values)
    if problems:
        raise refuse(problems, "brand")
    return _write_brand(session, actor, brand, values, now)


def save_campaign(
    session: Session, *, actor: User, values: CampaignFields, now: datetime
) -> Campaign:
    """Create or update the campaign draft (admins only). Filled fields must be right."""
    require_admin(actor)
    campaign, values, problems = _campaign_draft(session, actor.account_id, values)
    if problems:
        raise refuse(problems, "campaign")
    return _write_campaign(session, actor, campaign, values, now)


def save_drafts(
    session: Session,
    *,
    actor: User,
    brand: BrandFields | None,
    campaign: CampaignFields | None,
    now: datetime,
) -> None:
    """Save the brand and the campaign drafts together (the registration form): every bad
    field of both is named, and nothing is saved unless both are right."""
    require_admin(actor)
    problems: Problems = {}
    brand_draft = campaign_draft = None
    if brand is not None:
        brand_draft = _brand_draft(session, actor.account_id, brand)
        problems.update(brand_draft[2])
    if campaign is not None:
        campaign_draft = _campaign_draft(session, actor.account_id, campaign)
        problems.update(campaign_draft[2])
    if problems:
        raise refuse(problems, "registration")
    if brand_draft is not None:
        _write_brand(session, actor, brand_draft[0], brand_draft[1], now)
    if campaign_draft is not None:
        _write_campaign(session, actor, campaign_draft[0], campaign_draft[1], now)


def _brand_draft(
    session: Session, account_id: int, values: BrandFields
) -> tuple[Brand | None, BrandFields, Problems]:
    """The locked brand (refused unless editable), the cleaned values and their problems."""
    brand = get_brand(session, account_id=account_id, lock=True)
    if brand is not None:
        _editable("brand", brand.status)
    values = _clean_brand(values)
    return brand, values, check_brand(values, complete=False)


def _campaign_draft(
    session: Session, account_id: int, values: CampaignFields
) -> tuple[Campaign | None, CampaignFields, Problems]:
    """The locked campaign (refused unless editable), the cleaned values and their problems."""
    campaign = get_campaign(session, account_id=account_id, lock=True)
    if campaign is not None:
        _editable("campaign", campaign.status)
    values = _clean_campaign(values)
    return campaign, values, check_campaign(values, complete=False)


def _write_brand(
    session: Session, actor: User, brand: Brand | None, values: BrandFields, now: datetime
) -> Brand:
    if brand is None:
        brand = Brand(account_id=actor.account_id, status=Status.DRAFT, updated_at=now)
        _insert(session, brand)
    for name, value in asdict(values).items():
        setattr(brand, name, value)
    brand.updated_at = now
    session.flush()
    _record(
        session,
        actor.account_id,
        actor.id,
        audit.Action.REGISTRATION_BRAND_SAVED,
        "10DLC brand",
        {"status": brand.status, "legal_name": brand.legal_name},
        now,
    )
    return brand


def _write_campaign(
    session: Session,
    actor: User,
    campaign: Campaign | None,
    values: CampaignFields,
    now: datetime,
) -> Campaign:
    if campaign is None:
        campaign = Campaign(account_id=actor.account_id, status=Status.DRAFT, updated_at=now)
        _insert(session, campaign)
    for name, value in asdict(values).items():
        if name != "sample_messages":
            setattr(campaign, name, value)
    campaign.sample_messages = json.dumps(list(values.sample_messages))
    campaign.updated_at = now
    session.flush()
    _record(
        session,
        actor.account_id,
        actor.id,
        audit.Action.REGISTRATION_CAMPAIGN_SAVED,
        "10DLC campaign",
        {"status": campaign.status, "use_case": campaign.use_case},
        now,
    )
    return campaign


def submit(session: Session, *, actor: User, now: datetime) -> RegistrationStatus:
    """Submit the brand (unless already approved) and the campaign for review (admins only).
    Every missing or bad field is named; nothing changes when anything is refused."""
    require_admin(actor)
    account_id = actor.account_id
    brand = get_brand(session, account_id=account_id, lock=True)
    campaign = get_campaign(session, account_id=account_id, lock=True)
    if campaign is not None and campaign.status not in SUBMITTABLE:
        raise _locked("registration", campaign.status)
    if brand is not None and brand.status == Status.SUBMITTED:
        raise _locked("brand", brand.status)
    problems = {}
    if brand is None or brand.status != Status.APPROVED:
        problems.update(check_brand(_brand_fields(brand), complete=True))
    problems.update(check_campaign(_campaign_fields(campaign), complete=True))
    if problems or brand is None or campaign is None:
        raise refuse(problems, "registration")
    if brand.status != Status.APPROVED:
        _to(brand, Status.SUBMITTED, now)
        brand.submitted_at = now
    _to(campaign, Status.SUBMITTED, now)
    campaign.submitted_at, campaign.submitted_by = now, actor.id
    campaign.submissions += 1
    session.flush()
    _record(
        session,
        account_id,
        actor.id,
        audit.Action.REGISTRATION_SUBMITTED,
        "10DLC registration",
        {"submission": campaign.submissions, "brand_status": brand.status},
        now,
    )
    return registration_status(session, account_id=account_id)


def approve(
    session: Session,
    *,
    account_id: int,
    now: datetime,
    actor_user_id: int | None = None,
    origin: str | None = None,
) -> RegistrationStatus:
    """Approve the registration under review (the reviewer's or the operator's decision)."""
    brand, campaign = _under_review(session, account_id)
    if brand.status == Status.SUBMITTED:
        _to(brand, Status.APPROVED, now)
    _to(campaign, Status.APPROVED, now)
    session.flush()
    _record(
        session,
        account_id,
        actor_user_id,
        audit.Action.REGISTRATION_APPROVED,
        "10DLC registration",
        {"submission": campaign.submissions},
        now,
        origin,
    )
    return registration_status(session, account_id=account_id)


def reject(
    session: Session,
    *,
    account_id: int,
    reason: str,
    now: datetime,
    actor_user_id: int | None = None,
    origin: str | None = None,
) -> RegistrationStatus:
    """Reject the registration under review, with the reason the account will see."""
    reason = _reason(reason)
    brand, campaign = _under_review(session, account_id)
    if brand.status == Status.SUBMITTED:
        _to(brand, Status.REJECTED, now, reason)
    _to(campaign, Status.REJECTED, now, reason)
    session.flush()
    _record(
        session,
        account_id,
        actor_user_id,
        audit.Action.REGISTRATION_REJECTED,
        "10DLC registration",
        {"submission": campaign.submissions, "reason": reason},
        now,
        origin,
    )
    return registration_status(session, account_id=account_id)


def suspend(
    session: Session,
    *,
    account_id: int,
    reason: str,
    now: datetime,
    actor_user_id: int | None = None,
    origin: str | None = None,
) -> RegistrationStatus:
    """Suspend an approved campaign: US sending stops until it is corrected and approved."""
    reason = _reason(reason)
    campaign = get_campaign(session, account_id=account_id, lock=True)
    if campaign is None or campaign.status != Status.APPROVED:
        current = campaign.status if campaign else NOT_STARTED
        raise Conflict(
            f"Only an approved campaign can be suspended; this one is {_words(current)}.",
            status=current,
        )
    _to(campaign, Status.SUSPENDED, now, reason)
    session.flush()
    _record(
        session,
        account_id,
        actor_user_id,
        audit.Action.REGISTRATION_SUSPENDED,
        "10DLC campaign",
        {"reason": reason},
        now,
        origin,
    )
    return registration_status(session, account_id=account_id)


def review_due(
    session: Session, *, reviewer: Reviewer, now: datetime, account_id: int | None = None
) -> int:
    """Ask the reviewer about every registration under review (or this account's) and apply
    its decisions. The number decided."""
    query = select(Campaign.account_id).where(Campaign.status == Status.SUBMITTED)
    if account_id is not None:
        query = query.where(Campaign.account_id == account_id)
    decided = 0
    for due_account in list(session.scalars(query.order_by(Campaign.account_id))):
        # Locked in the order every change takes them (brand, then campaign), and checked
        # again: another request may have decided since the query above.
        brand = get_brand(session, account_id=due_account, lock=True)
        campaign = get_campaign(session, account_id=due_account, lock=True)
        if brand is None or campaign is None or campaign.submitted_at is None:
            continue
        if campaign.status != Status.SUBMITTED:
            continue
        submission = _submission(brand, campaign, campaign.submitted_at)
        decision = reviewer.decide(submission, now=now)
        if decision is not None:
            _apply(session, due_account, decision, now)
            decided += 1
    return decided


def _apply(session: Session, account_id: int, decision: Decision, now: datetime) -> None:
    if decision.approved:
        approve(session, account_id=account_id, now=now, origin="reviewer")
    else:
        reject(
            session,
            account_id=account_id,
            reason=decision.reason or "Not approved.",
            now=now,
            origin="reviewer",
        )


def _submission(brand: Brand, campaign: Campaign, submitted_at: datetime) -> Submission:
    return Submission(
        account_id=campaign.account_id,
        submitted_at=submitted_at,
        legal_name=brand.legal_name,
        ein=brand.ein,
        website=brand.website,
        vertical=brand.vertical,
        use_case=campaign.use_case,
        description=campaign.description,
        sample_messages=tuple(campaign.samples),
    )


def _insert(session: Session, row: Brand | Campaign) -> None:
    """A new draft; a concurrent first draft of the same account is a conflict, not a crash."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict("The registration was changed at the same time. Try again.") from None


def _under_review(session: Session, account_id: int) -> tuple[Brand, Campaign]:
    brand = get_brand(session, account_id=account_id, lock=True)
    campaign = get_campaign(session, account_id=account_id, lock=True)
    if brand is None or campaign is None or campaign.status != Status.SUBMITTED:
        current = campaign.status if campaign else NOT_STARTED
        raise Conflict(
            f"There is no registration under review to decide on; it is {_words(current)}.",
            status=current,
        )
    return brand, campaign


def _to(row: Brand | Campaign, status: Status, now: datetime, reason: str | None = None) -> None:
    row.status = status
    row.rejection_reason = reason
    row.updated_at = now
    if status != Status.SUBMITTED:
        row.decided_at = now
    else:
        row.decided_at = None


def _editable(what: str, status: str) -> None:
    if status not in EDITABLE:
        raise _locked(what, status)


def _locked(what: str, status: str) -> Conflict:
    if status == Status.SUBMITTED:
        message = (
            f"The {what} is under review and locked until the review ends; it can be "
            "changed again if it is rejected."
        )
    else:
        message = f"The {what} is {_words(status)} and can no longer be changed or submitted."
    return Conflict(message, status=status)


def _words(status: str) -> str:
    return {NOT_STARTED: "not started", Status.SUBMITTED: "under review"}.get(status, status)


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed(
            f"A reason of 1 to {MAX_REASON} characters is required.", field="reason"
        )
    return reason


def _clean_brand(values: BrandFields) -> BrandFields:
    cleaned = {name: " ".join(str(value).split()) for name, value in asdict(values).items()}
    cleaned["country"] = cleaned["country"].upper()
    digits = ein_digits(cleaned["ein"])
    if len(digits) == 9 and digits.isdigit():
        cleaned["ein"] = f"{digits[:2]}-{digits[2:]}"
    return BrandFields(**cleaned)


def _clean_campaign(values: CampaignFields) -> CampaignFields:
    samples = tuple(sample.strip() for sample in values.sample_messages if sample.strip())
    return CampaignFields(
        use_case=values.use_case.strip(),
        description=values.description.strip(),
        sample_messages=samples,
        opt_in_description=values.opt_in_description.strip(),
        opt_out_message=values.opt_out_message.strip(),
        help_message=values.help_message.strip(),
    )


def _brand_fields(brand: Brand | None) -> BrandFields:
    if brand is None:
        return BrandFields(country="")
    return BrandFields(**{f.name: getattr(brand, f.name) for f in fields(BrandFields)})


def _campaign_fields(campaign: Campaign | None) -> CampaignFields:
    if campaign is None:
        return CampaignFields()
    return CampaignFields(
        use_case=campaign.use_case,
        description=campaign.description,
        sample_messages=tuple(campaign.samples),
        opt_in_description=campaign.opt_in_description,
        opt_out_message=campaign.opt_out_message,
        help_message=campaign.help_message,
    )


def _record(
    session: Session,
    account_id: int,
    actor_user_id: int | None,
    action: audit.Action,
    subject: str,
    details: dict[str, object],
    now: datetime,
    origin: str | None = None,
) -> None:
    audit.record(
        session,
        account_id=account_id,
        actor_user_id=actor_user_id,
        action=action,
        subject=subject,
        details=details,
        origin=origin,
        now=now,
    )
