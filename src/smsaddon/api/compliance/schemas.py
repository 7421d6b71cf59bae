"""The request and response bodies of the registration and audit API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from smsaddon import compliance
from smsaddon.api.common import In, Out

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
