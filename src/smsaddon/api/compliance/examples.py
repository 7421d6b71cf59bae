"""The registration and audit API's documented examples: built as the models themselves, so
every example is valid by construction; `PROBLEMS` words some problem codes this area's way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from smsaddon import compliance
from smsaddon.api.common import Page
from smsaddon.api.compliance.schemas import (
    AuditEntryOut,
    BrandIn,
    BrandOut,
    CampaignIn,
    CampaignOut,
    RegistrationOut,
)

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
