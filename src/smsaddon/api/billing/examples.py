"""Examples for the OpenAPI document: Demo Co (plus, monthly) buying the SMS add-on.

Built as the response models themselves, so every example is valid by construction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from smsaddon.api.billing.schemas import (
    AccountOut,
    AccountView,
    CatalogOut,
    ConfirmOut,
    CountriesOut,
    CountryCostOut,
    CreditsOut,
    EstimateOut,
    InvoiceLineOut,
    InvoiceOut,
    PurchaseOut,
    QuoteOut,
    RejectedOut,
    SubscriptionOut,
    UnsupportedOut,
    UserOut,
)
from smsaddon.api.common import Page
from smsaddon.catalog import load_catalog
from smsaddon.config import DEFAULT_CATALOG

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
START, END = datetime(2026, 10, 29, tzinfo=UTC), datetime(2026, 11, 29, tzinfo=UTC)
QUOTE_ID = "3f2c8a4e-8d1b-4c4f-9a57-0d6f1f7f2b11"
_SHIPPED = load_catalog(DEFAULT_CATALOG)

CREDITS = CreditsOut(
    period_start=START,
    period_end=END,
    next_refill=END,
    included_this_period=500,
    extra_this_period=0,
    used_this_period=0,
    held=0,
    available=500,
    monthly_credits=500,
)

ACCOUNT = AccountView(
    account=AccountOut(id=1, name="Demo Co", created_at=START),
    user=UserOut(
        id=1,
        email="owner@demo.test",
        name="Olivia Owner",
        role="primary_admin",
        can_bill=True,
        may_purchase=True,
        is_admin=True,
    ),
    subscription=SubscriptionOut(
        plan="plus",
        plan_name="Plus",
        interval="monthly",
        anchor=START,
        billing_period_start=START,
        billing_period_end=END,
        currency="USD",
        sms_addon=True,
        addon_eligible=True,
        addon_price=1000,
        addon_included_credits=500,
        addon_ends_at=None,
        bundle_credits=0,
        pending_bundle_credits=None,
        pending_from=None,
        recurring_amount=3900,
        next_invoice_date=END,
        next_invoice_amount=3900,
    ),
    credits=CREDITS,
)

CATALOG = CatalogOut(
    version=_SHIPPED.version,
    currency=_SHIPPED.currency,
    plans=_SHIPPED.plans,
    sms_addon=_SHIPPED.sms_addon,
    bundles=_SHIPPED.bundles,
)

COUNTRIES = CountriesOut(catalog_version=_SHIPPED.version, countries=_SHIPPED.countries[:3])

QUOTE = QuoteOut(
    id=QUOTE_ID,
    kind="add_addon",
    state="open",
    description="SMS add-on, 500 credits a month",
    catalog_version="2026-11",
    currency="USD",
    amount_due_now=597,
    new_recurring_amount=3900,
    next_invoice_date=END,
    next_invoice_amount=3900,
    credits_now=500,
    bundle_credits=0,
    new_monthly_credits=500,
    effective_at=NOW,
    period_start=START,
    period_end=END,
    created_at=NOW,
    expires_at=datetime(2026, 11, 10, 12, 30, tzinfo=UTC),
)

CONFIRM = ConfirmOut(
    purchase=PurchaseOut(
        id=1, quote_id=QUOTE_ID, amount=597, currency="USD", invoice_id=1, created_at=NOW
    ),
    credits=CREDITS,
)

INVOICES = Page[InvoiceOut](
    items=[
        InvoiceOut(
            id=1,
            issued_at=NOW,
            description="SMS add-on, 500 credits a month",
            currency="USD",
            total=597,
            status="billed",
            catalog_version="2026-11",
            lines=[
                InvoiceLineOut(
                    description="SMS add-on, 500 credits a month",
                    amount=597,
                    period_start=NOW,
                    period_end=END,
                )
            ],
        )
    ],
    next_cursor=None,
    total=1,
)

ESTIMATE = EstimateOut(
    catalog_version="2026-11",
    encoding="GSM-7",
    units=30,
    segments=1,
    countries=[
        CountryCostOut(
            code="GB", name="United Kingdom", recipients=1, credits_per_segment=5, credits=5
        ),
        CountryCostOut(
            code="US", name="United States", recipients=2, credits_per_segment=1, credits=2
        ),
    ],
    recipients=3,
    duplicates=0,
    total_credits=7,
    available_credits=500,
    enough_credits=True,
    invalid=[RejectedOut(given="+1 555", reason="it is too short")],
    unsupported=[
        UnsupportedOut(
            given="+86 138 1234 5678", e164="+8613812345678", region="CN", country="China"
        )
    ],
    unregistered=[],
    opted_out=["+447400123457"],
    excluded={"invalid": 1, "unsupported": 1, "opted_out": 1},
)


def _example(summary: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"summary": summary, "value": value}


QUOTE_REQUESTS = {
    "add_addon": _example("Add the SMS add-on", {"kind": "add_addon"}),
    "change_bundle": _example(
        "Buy 1,000 additional credits a month", {"kind": "change_bundle", "bundle_credits": 1000}
    ),
    "remove_addon": _example(
        "Remove the add-on at the end of the billing period", {"kind": "remove_addon"}
    ),
}

ESTIMATE_REQUESTS = {
    "broadcast": _example(
        "A text to numbers in several countries",
        {
            "text": "Spring sale: 20% off until Sunday",
            "recipients": [
                "+14155552671",
                "+12125551234",
                "+447400123456",
                "+1 555",
                "+86 138 1234 5678",
            ],
        },
    ),
    "national": _example(
        "National numbers, read as US numbers",
        {"text": "Your table is ready", "recipients": ["(415) 555-2671"], "default_region": "US"},
    ),
}
