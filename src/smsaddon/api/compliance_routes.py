"""/api/v1/registration (A2P 10DLC brand and campaign, submission, status) and /api/v1/audit
(the account's audit log).

Every user of the account may read the registration; only admins (the Primary Admin
included) may change or submit it, and only admins may read the audit log (403 otherwise).
Another account's audit entries do not exist (404).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field
from sqlalchemy.orm import Session

from smsaddon import audit, compliance
from smsaddon.api.common import (
    Cursor,
    In,
    Out,
    Page,
    body_examples,
    decode_cursor,
    idempotent,
    ok,
    page,
)
from smsaddon.db import MAX_ID
from smsaddon.errors import ValidationFailed
from smsaddon.http.problems import ProblemRoute, problem_responses
from smsaddon.http.unit import ApiRead, ApiWrite, IdempotencyKey

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)

Status = Literal["not_started", "draft", "submitted", "approved", "rejected", "suspended"]
Text = Annotated[str, Field(max_length=1000)]
LongText = Annotated[str, Field(max_length=5000)]


class BrandIn(In):
    """The brand draft. Empty fields may be saved in a draft; submitting needs them all."""

    legal_name: Text = ""
    ein: Text = Field("", description="The Employer Identification Number: 9 digits.")
    street: Text = ""
    city: Text = ""
    state: Text = ""
    postal_code: Text = ""
    country: Text = Field("US", description="ISO 3166-1 alpha-2.")
    website: Text = Field("", description="The full address: https://...")
    vertical: Text = Field("", description=f"One of: {', '.join(compliance.VERTICALS)}.")
    contact_name: Text = ""
    contact_email: Text = ""
    contact_phone: Text = ""


class CampaignIn(In):
    """The campaign draft. Submitting needs every field, and 2 to 5 samples that each say how
    to opt out ("Reply STOP to opt out")."""

    use_case: Text = Field("", description=f"One of: {', '.join(compliance.USE_CASES)}.")
    description: LongText = ""
    sample_messages: list[LongText] = Field(default_factory=list, max_length=20)
    opt_in_description: LongText = ""
    opt_out_message: LongText = ""
    help_message: LongText = ""


class BrandOut(Out):
    status: Status
    legal_name: str
    ein: str
    street: str
    city: str
    state: str
    postal_code: str
    country: str
    website: str
    vertical: str
    contact_name: str
    contact_email: str
    contact_phone: str


class CampaignOut(Out):
    status: Status
    use_case: str
    description: str
    sample_messages: list[str] = Field(validation_alias="samples")
    opt_in_description: str
    opt_out_message: str
    help_message: str


class RegistrationOut(Out):
    """Where the registration stands. `status` is the campaign's: messages to US numbers
    (US territories included) are refused with `registration_required` unless it is
    `approved`."""

    status: Status
    brand_status: Status | None
    campaign_status: Status | None
    reason: str | None = Field(description="Why it was rejected or suspended.")
    submitted_at: datetime | None
    decided_at: datetime | None
    submissions: int
    may_send_to_us: bool
    register_url: str = Field(description="Where to register in the web app.")
    brand: BrandOut | None
    campaign: CampaignOut | None


class AuditEntryOut(Out):
    id: int
    created_at: datetime
    actor_user_id: int | None = Field(description="Null for the operator and the reviewer.")
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    origin: str = Field(description='Where from: the client\'s address, "cli", "reviewer".')


# Examples -----------------------------------------------------------------------------------

_AT = datetime.fromisoformat("2026-11-10T12:00:00+00:00")
BRAND_EXAMPLE = BrandIn(
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
    contact_phone="+14155550100",
)
CAMPAIGN_EXAMPLE = CampaignIn(
    use_case="marketing",
    description="Offers and order updates for customers who joined our list at checkout.",
    sample_messages=[
        "Demo Co: 20% off this weekend only! Reply STOP to opt out.",
        "Demo Co: your order has shipped. Reply STOP to opt out.",
    ],
    opt_in_description="Customers tick an unticked SMS consent box at checkout.",
    opt_out_message="Demo Co: you are unsubscribed and will get no more messages.",
    help_message="Demo Co: help at support@demo.co or +1 415 555 0100.",
)
REGISTRATION_EXAMPLE = RegistrationOut(
    status="rejected",
    brand_status="rejected",
    campaign_status="rejected",
    reason="The website https://demo.co could not be verified as the brand's.",
    submitted_at=_AT,
    decided_at=_AT,
    submissions=1,
    may_send_to_us=False,
    register_url=compliance.REGISTER_URL,
    brand=BrandOut(status="rejected", **BRAND_EXAMPLE.model_dump()),
    campaign=CampaignOut.model_validate(
        {
            "status": "rejected",
            "samples": CAMPAIGN_EXAMPLE.sample_messages,
            **CAMPAIGN_EXAMPLE.model_dump(exclude={"sample_messages"}),
        }
    ),
)
AUDIT_EXAMPLE = Page[AuditEntryOut](
    items=[
        AuditEntryOut(
            id=7,
            created_at=_AT,
            actor_user_id=1,
            actor="Olivia Owner <owner@demo.test>",
            action="registration.submitted",
            subject="10DLC registration",
            details={"submission": 1, "brand_status": "submitted"},
            origin="203.0.113.7",
        )
    ],
    next_cursor=None,
    total=1,
)
PROBLEMS: dict[str, tuple[str, dict[str, Any]]] = {
    "permission_denied": ("Only admins can do this. Ask an admin of your account.", {}),
    "conflict": (
        "The registration is under review and locked until the review ends; it can "
        "be changed again if it is rejected.",
        {"status": "submitted"},
    ),
    "not_found": ("There is no such audit entry.", {"entry_id": 12}),
    "validation_failed": (
        "The registration is not complete: 2 fields need attention. EIN: An EIN is 9 digits, "
        "like 12-3456789.; Sample messages: Sample 2 has no opt-out language: every sample "
        'must tell people how to stop, for example "Reply STOP to opt out".',
        {
            "fields": {
                "ein": "An EIN is 9 digits, like 12-3456789.",
                "sample_messages": "Sample 2 has no opt-out language: every sample must "
                'tell people how to stop, for example "Reply STOP to '
                'opt out".',
            }
        },
    ),
}


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
