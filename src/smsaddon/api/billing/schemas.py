"""The API's request and response bodies.

Money is integer minor units (cents) of the `currency` beside it; credits are integers;
times are ISO 8601 in UTC. Request bodies are strict: unknown fields and wrongly typed
values are refused (422 `validation_failed`), never guessed at.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from smsaddon import billing
from smsaddon.accounts import Account, User
from smsaddon.api.common import In, Out
from smsaddon.billing.models import Invoice, Purchase, Quote, Subscription
from smsaddon.catalog import Bundle, Country, Plan, SmsAddon
from smsaddon.sms.pricing import Estimate

Cents = Annotated[int, Field(description="An amount in minor units (cents) of `currency`.")]
Credits = Annotated[int, Field(ge=0)]


# The account -------------------------------------------------------------------------------


class AccountOut(Out):
    id: int
    name: str
    created_at: datetime


class UserOut(Out):
    """The user the token acts as, and what they may do."""

    id: int
    email: str
    name: str
    role: Literal["primary_admin", "admin", "user"]
    can_bill: bool = Field(description="Holds the billing permission.")
    may_purchase: bool = Field(description="May buy or change the SMS add-on and credits.")
    is_admin: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            can_bill=user.can_bill,
            may_purchase=user.may_purchase,
            is_admin=user.is_admin,
        )


class CreditsOut(Out):
    """This credit period's SMS credits. Credits do not roll over: what is left expires at
    `period_end`, and the next refill grants `monthly_credits` again."""

    period_start: datetime
    period_end: datetime
    next_refill: datetime | None = Field(
        description="When the next monthly credits are granted; null when the add-on ends "
        "before then."
    )
    included_this_period: Credits = Field(description="Granted by the add-on this period.")
    extra_this_period: Credits = Field(description="Granted by bundles and adjustments.")
    used_this_period: Credits
    held: Credits = Field(description="Reserved for messages not yet sent.")
    available: Credits = Field(description="What can be spent now.")
    monthly_credits: Credits = Field(description="Granted every month: add-on and bundle.")


class SubscriptionOut(Out):
    plan: str
    plan_name: str
    interval: Literal["monthly", "annual"]
    anchor: datetime = Field(description="When the subscription started; periods count from it.")
    billing_period_start: datetime
    billing_period_end: datetime
    currency: str
    sms_addon: bool = Field(description="The SMS add-on is on the plan.")
    addon_eligible: bool = Field(description="The plan may have the SMS add-on.")
    addon_price: Cents | None = Field(description="The add-on's price per billing period.")
    addon_included_credits: Credits | None
    addon_ends_at: datetime | None = Field(description="A scheduled removal of the add-on.")
    bundle_credits: Credits = Field(description="Additional credits bought every month.")
    pending_bundle_credits: Credits | None = Field(
        description="A scheduled change of the bundle, from `pending_from`."
    )
    pending_from: datetime | None
    recurring_amount: Cents = Field(description="What each billing period costs now.")
    next_invoice_date: datetime
    next_invoice_amount: Cents


class AccountView(Out):
    account: AccountOut
    user: UserOut
    subscription: SubscriptionOut
    credits: CreditsOut | None = Field(
        description="This period's credits; null before the add-on was ever bought."
    )

    @classmethod
    def of(
        cls,
        *,
        account: Account,
        user: User,
        sub: Subscription,
        overview: billing.Overview,
        billing_start: datetime,
    ) -> AccountView:
        subscription = SubscriptionOut(
            plan=overview.plan.code,
            plan_name=overview.plan.name,
            interval=overview.interval,
            anchor=sub.anchor,
            billing_period_start=billing_start,
            billing_period_end=overview.next_invoice_date,
            currency=overview.currency,
            sms_addon=overview.addon_active,
            addon_eligible=overview.addon_eligible,
            addon_price=overview.addon_price,
            addon_included_credits=overview.addon_included_credits,
            addon_ends_at=overview.addon_ends_at,
            bundle_credits=overview.bundle_credits,
            pending_bundle_credits=overview.pending_bundle_credits,
            pending_from=overview.pending_from,
            recurring_amount=overview.recurring_amount,
            next_invoice_date=overview.next_invoice_date,
            next_invoice_amount=overview.next_invoice_amount,
        )
        return cls(
            account=AccountOut.model_validate(account),
            user=UserOut.of(user),
            subscription=subscription,
            credits=CreditsOut.model_validate(overview.credits) if overview.credits else None,
        )


# The catalog -------------------------------------------------------------------------------


class CatalogOut(Out):
    version: str
    currency: str
    plans: tuple[Plan, ...]
    sms_addon: SmsAddon
    bundles: tuple[Bundle, ...] = Field(description="The additional monthly credit bundles.")


class CountriesOut(Out):
    catalog_version: str
    countries: tuple[Country, ...] = Field(
        description="The supported countries, by name; any other country is refused."
    )


# Quotes and purchases ----------------------------------------------------------------------


class AddAddon(In):
    kind: Literal["add_addon"]


class ChangeBundle(In):
    kind: Literal["change_bundle"]
    bundle_credits: Credits = Field(
        description="The additional credits a month after the change: one of the catalog's "
        "bundles, or 0 for none."
    )


class RemoveAddon(In):
    kind: Literal["remove_addon"]


QuoteRequest = Annotated[AddAddon | ChangeBundle | RemoveAddon, Field(discriminator="kind")]


class QuoteOut(Out):
    """A Review Purchase: exactly what confirming it will change and charge."""

    id: str
    kind: Literal["add_addon", "change_bundle", "remove_addon"]
    state: Literal["open", "confirmed"]
    description: str
    catalog_version: str
    currency: str
    amount_due_now: Cents = Field(
        description="Charged on confirm: prorated to the second for the rest of the billing "
        "period, rounded once, half up."
    )
    new_recurring_amount: Cents
    next_invoice_date: datetime
    next_invoice_amount: Cents
    credits_now: Credits = Field(description="Granted at once on confirm.")
    bundle_credits: Credits = Field(description="The additional credits a month afterwards.")
    new_monthly_credits: Credits
    effective_at: datetime
    period_start: datetime
    period_end: datetime
    created_at: datetime
    expires_at: datetime = Field(description="Confirming later gives 410 `quote_expired`.")

    @classmethod
    def of(cls, quote: Quote) -> QuoteOut:
        return cls.model_validate(quote)


class PurchaseOut(Out):
    id: int
    quote_id: str
    amount: Cents
    currency: str
    invoice_id: int | None = Field(description="The invoice of the charge; null when 0 is due.")
    created_at: datetime


class ConfirmOut(Out):
    purchase: PurchaseOut
    credits: CreditsOut = Field(description="The credits after the purchase.")

    @classmethod
    def of(cls, purchase: Purchase, summary: billing.CreditSummary) -> ConfirmOut:
        return cls(
            purchase=PurchaseOut.model_validate(purchase),
            credits=CreditsOut.model_validate(summary),
        )


# Invoices ----------------------------------------------------------------------------------


class InvoiceLineOut(Out):
    description: str
    amount: Cents
    period_start: datetime
    period_end: datetime


class InvoiceOut(Out):
    id: int
    issued_at: datetime
    description: str
    currency: str
    total: Cents
    status: str
    catalog_version: str
    lines: list[InvoiceLineOut]

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceOut:
        return cls.model_validate(invoice)


# Estimates ---------------------------------------------------------------------------------

PhoneText = Annotated[str, StringConstraints(max_length=64)]


class EstimateRequest(In):
    text: Annotated[str, StringConstraints(min_length=1, max_length=5000)] = Field(
        description="The message. Empty, or over the segment cap, is refused."
    )
    recipients: list[PhoneText] = Field(
        min_length=1,
        max_length=10_000,
        description="Phone numbers, in E.164 (+14155552671) or national form with "
        "`default_region`. Repeats of one number count once.",
    )
    default_region: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = Field(
        None, description="ISO 3166-1 alpha-2 region to read numbers without + in."
    )


class CountryCostOut(Out):
    code: str
    name: str
    recipients: int
    credits_per_segment: int
    credits: Credits


class RejectedOut(Out):
    given: str
    reason: str


class UnsupportedOut(Out):
    given: str
    e164: str
    region: str
    country: str


class EstimateOut(Out):
    catalog_version: str
    encoding: Literal["GSM-7", "UCS-2"]
    units: int = Field(description="GSM-7 septets or UCS-2 code units of the text.")
    segments: int = Field(description="Segments per message.")
    countries: list[CountryCostOut]
    recipients: int = Field(description="Distinct numbers priced.")
    duplicates: int = Field(description="Inputs repeating a number already counted.")
    total_credits: Credits
    invalid: list[RejectedOut] = Field(description="Numbers that are not valid: not priced.")
    unsupported: list[UnsupportedOut] = Field(
        description="Valid numbers in unsupported countries: not priced, never sent."
    )
    unregistered: list[str] = Field(
        description="US numbers while the account's 10DLC campaign is not approved: not priced."
    )
    opted_out: list[str] = Field(
        description="Numbers that opted out of the account (STOP): not priced, never sent."
    )
    excluded: dict[str, int] = Field(
        description="Recipients not priced, per group: invalid, duplicate, unsupported, "
        "unregistered, opted_out (groups with none are left out)."
    )

    available_credits: Credits = Field(description="The account's credits available now.")
    enough_credits: bool = Field(
        description="The available credits cover the total; sending needs them then too."
    )

    @classmethod
    def of(cls, estimate: Estimate, available: int) -> EstimateOut:
        enough = available >= estimate.total_credits
        return cls.model_validate(
            {**asdict(estimate), "available_credits": available, "enough_credits": enough}
        )
