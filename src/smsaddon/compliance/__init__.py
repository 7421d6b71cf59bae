"""Sender setup ("Getting started with SMS") and A2P 10DLC brand and campaign registration,
which gates every message to a United States number.

Sending calls `require_us_registration(session, account_id=..., region=...)` before any
credit is held; `registration_status` says where the registration stands.
"""

from smsaddon.compliance.models import Brand, BusinessProfile, Campaign, SenderNumber, Status
from smsaddon.compliance.numbers import NumberProvider, SimulatedPool
from smsaddon.compliance.registration import (
    REGISTER_URL,
    US_REGIONS,
    RegistrationStatus,
    approve,
    get_brand,
    get_campaign,
    is_us_region,
    registration_status,
    reject,
    require_us_registration,
    review_due,
    save_brand,
    save_campaign,
    save_drafts,
    submit,
    suspend,
)
from smsaddon.compliance.review import (
    Decision,
    Reviewer,
    SimulatedReviewer,
    Submission,
)
from smsaddon.compliance.setup import (
    Step,
    brand_defaults,
    get_profile,
    getting_started,
    next_step,
    provision_number,
    save_profile,
    sender_numbers,
)
from smsaddon.compliance.validation import (
    USE_CASES,
    VERTICALS,
    BrandFields,
    CampaignFields,
    ProfileFields,
)

__all__ = [
    "REGISTER_URL",
    "USE_CASES",
    "US_REGIONS",
    "VERTICALS",
    "Brand",
    "BrandFields",
    "BusinessProfile",
    "Campaign",
    "CampaignFields",
    "Decision",
    "NumberProvider",
    "ProfileFields",
    "RegistrationStatus",
    "Reviewer",
    "SenderNumber",
    "SimulatedPool",
    "SimulatedReviewer",
    "Status",
    "Step",
    "Submission",
    "approve",
    "brand_defaults",
    "get_brand",
    "get_campaign",
    "get_profile",
    "getting_started",
    "is_us_region",
    "next_step",
    "provision_number",
    "registration_status",
    "reject",
    "require_us_registration",
    "review_due",
    "save_brand",
    "save_campaign",
    "save_drafts",
    "save_profile",
    "sender_numbers",
    "submit",
    "suspend",
]
