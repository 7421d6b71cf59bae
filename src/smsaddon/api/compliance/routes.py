"""/api/v1/registration (A2P 10DLC brand and campaign, submission, status) and /api/v1/audit
(the account's audit log).

Every user of the account may read the registration; only admins (the Primary Admin
included) may change or submit it, and only admins may read the audit log (403 otherwise).
Another account's audit entries do not exist (404).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.orm import Session

from smsaddon import audit, compliance
from smsaddon.api.common import Cursor, Page, body_examples, decode_cursor, idempotent, ok, page
from smsaddon.api.compliance.examples import (
    AUDIT_EXAMPLE,
    BRAND_EXAMPLE,
    CAMPAIGN_EXAMPLE,
    PROBLEMS,
    REGISTRATION_EXAMPLE,
)
from smsaddon.api.compliance.schemas import (
    AuditEntryOut,
    BrandIn,
    BrandOut,
    CampaignIn,
    CampaignOut,
    RegistrationOut,
)
from smsaddon.db import MAX_ID
from smsaddon.errors import ValidationFailed
from smsaddon.http.problems import ProblemRoute, problem_responses
from smsaddon.http.unit import ApiRead, ApiWrite, IdempotencyKey

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)


def problems(*codes: str) -> dict[int | str, dict[str, Any]]:
    """The documented problems, with this area's own wording for some codes."""
    return problem_responses(*codes, worded=PROBLEMS)


# Registration -------------------------------------------------------------------------------


def _registration(session: Session, account_id: int) -> RegistrationOut:
    status = compliance.registration_status(session, account_id=account_id)
    brand = compliance.get_brand(session, account_id=account_id)
    campaign = compliance.get_campaign(session, account_id=account_id)
    return RegistrationOut(
        status=status.status,
        brand_status=status.brand_status,
        campaign_status=status.campaign_status,
        reason=status.reason,
        submitted_at=status.submitted_at,
        decided_at=status.decided_at,
        submissions=status.submissions,
        may_send_to_us=status.may_send_to_us,
        register_url=compliance.REGISTER_URL,
        brand=BrandOut.model_validate(brand) if brand else None,
        campaign=CampaignOut.model_validate(campaign) if campaign else None,
    )


@router.get(
    "/registration",
    tags=["registration"],
    response_model=RegistrationOut,
    summary="The A2P 10DLC registration: status, brand and campaign",
    responses={200: ok(REGISTRATION_EXAMPLE), **problems()},
)
def get_registration(unit: ApiRead) -> RegistrationOut:
    return _registration(unit.session, unit.user.account_id)


@router.put(
    "/registration/brand",
    tags=["registration"],
    response_model=RegistrationOut,
    summary="Save the brand draft (admins)",
    description="Refused while under review (409) and once approved (409). Filled "
    "fields must be right; every bad one is named in `fields`.",
    responses={200: ok(REGISTRATION_EXAMPLE), **problems("permission_denied", "conflict")},
)
def put_brand(
    unit: ApiWrite, body: Annotated[BrandIn, body_examples(brand=BRAND_EXAMPLE)]
) -> RegistrationOut:
    values = compliance.BrandFields(**body.model_dump())
    compliance.save_brand(unit.session, actor=unit.user, now=unit.now, values=values)
    return _registration(unit.session, unit.user.account_id)


@router.put(
    "/registration/campaign",
    tags=["registration"],
    response_model=RegistrationOut,
    summary="Save the campaign draft (admins)",
    description="Refused while under review (409) and once approved (409). Filled "
    "fields must be right; every bad one is named in `fields`.",
    responses={200: ok(REGISTRATION_EXAMPLE), **problems("permission_denied", "conflict")},
)
def put_campaign(
    unit: ApiWrite, body: Annotated[CampaignIn, body_examples(campaign=CAMPAIGN_EXAMPLE)]
) -> RegistrationOut:
    values = body.model_dump()
    values["sample_messages"] = tuple(values["sample_messages"])
    fields = compliance.CampaignFields(**values)
    compliance.save_campaign(unit.session, actor=unit.user, now=unit.now, values=fields)
    return _registration(unit.session, unit.user.account_id)


@router.post(
    "/registration/submit",
    tags=["registration"],
    response_model=RegistrationOut,
    summary="Submit the brand and campaign for review (admins)",
    description="Everything missing or wrong is named in `fields` (422). While under "
    "review the registration is locked (409); after a rejection, correct "
    "it and submit again.",
    responses={
        200: ok(REGISTRATION_EXAMPLE, "Submitted: under review."),
        **problems("permission_denied", "conflict", "idempotency_key_reused"),
    },
)
def post_submit(unit: ApiWrite, idempotency_key: IdempotencyKey = None) -> Response:
    def submit() -> RegistrationOut:
        compliance.submit(unit.session, actor=unit.user, now=unit.now)
        return _registration(unit.session, unit.user.account_id)

    return idempotent(unit, idempotency_key, submit)


ACTION_FILTER = f'An action ("registration.submitted") or an area: {", ".join(audit.AREAS)}.'

# The audit log ------------------------------------------------------------------------------


@router.get(
    "/audit",
    tags=["audit"],
    response_model=Page[AuditEntryOut],
    summary="The audit log, newest first (admins)",
    description="Who did what, when and from where. Pages follow `next_cursor`; "
    "repeat the same filters with it.",
    responses={200: ok(AUDIT_EXAMPLE), **problems("permission_denied")},
)
def get_audit(
    unit: ApiRead,
    action: Annotated[str | None, Query(max_length=60, description=ACTION_FILTER)] = None,
    actor_user_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this user's.")
    ] = None,
    since: Annotated[datetime | None, Query(description="From this instant.")] = None,
    until: Annotated[datetime | None, Query(description="Before this instant.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> Page[AuditEntryOut]:
    since, until = _utc(since, "since"), _utc(until, "until")
    rows = audit.list_entries(
        unit.session,
        actor=unit.user,
        action=action,
        actor_user_id=actor_user_id,
        since=since,
        until=until,
        before_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    total = audit.count_entries(
        unit.session,
        actor=unit.user,
        action=action,
        actor_user_id=actor_user_id,
        since=since,
        until=until,
    )
    return page(rows, limit=limit, total=total, view=AuditEntryOut.model_validate)


@router.get(
    "/audit/{entry_id}",
    tags=["audit"],
    response_model=AuditEntryOut,
    summary="One audit entry (admins)",
    responses={200: ok(AUDIT_EXAMPLE.items[0]), **problems("permission_denied", "not_found")},
)
def get_audit_entry(
    unit: ApiRead,
    entry_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The entry's id.")],
) -> AuditEntryOut:
    entry = audit.get_entry(unit.session, actor=unit.user, entry_id=entry_id)
    return AuditEntryOut.model_validate(entry)


def _utc(moment: datetime | None, name: str) -> datetime | None:
    """An aware instant in UTC; a naive or out-of-range one is refused, naming the field."""
    if moment is None:
        return None
    try:
        if moment.tzinfo is None:
            raise ValueError
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationFailed(
            f"Give {name} as a time with its offset, like 2026-11-10T12:00:00Z.", field=name
        ) from None
