"""The A2P 10DLC registration page: the brand and campaign form, saved as a draft or
submitted for review, with the status, the rejection reason, and the lock while under review.

Fields of a part that can no longer change (under review, approved) are shown disabled and
not posted; a refusal names every bad field, beside the field and in a summary at the top.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from smsaddon import compliance
from smsaddon.compliance.registration import EDITABLE
from smsaddon.compliance.validation import LABELS, MAX_SAMPLES, USE_CASES, VERTICALS
from smsaddon.errors import ValidationFailed
from smsaddon.http.unit import PageRead, PageUnit, PageWrite
from smsaddon.web.pages.getting_started import primary_admin

router = APIRouter()
Short = Annotated[str, Field(max_length=1000)]
Long = Annotated[str, Field(max_length=5000)]


class RegistrationForm(BaseModel):
    """The form as posted. `brand_part` / `campaign_part` are posted only with their
    fieldset: a part that is locked (disabled) is not posted at all."""

    action: Short = "save"
    brand_part: Short = ""
    legal_name: Short = ""
    ein: Short = ""
    street: Short = ""
    city: Short = ""
    state: Short = ""
    postal_code: Short = ""
    country: Short = ""
    website: Short = ""
    vertical: Short = ""
    contact_name: Short = ""
    contact_email: Short = ""
    contact_phone: Short = ""
    campaign_part: Short = ""
    use_case: Short = ""
    description: Long = ""
    sample_1: Long = ""
    sample_2: Long = ""
    sample_3: Long = ""
    sample_4: Long = ""
    sample_5: Long = ""
    opt_in_description: Long = ""
    opt_out_message: Long = ""
    help_message: Long = ""

    def brand(self) -> compliance.BrandFields | None:
        if not self.brand_part:
            return None
        values = {name: getattr(self, name) for name in BRAND_FIELDS}
        return compliance.BrandFields(**values)

    def campaign(self) -> compliance.CampaignFields | None:
        if not self.campaign_part:
            return None
        return compliance.CampaignFields(
            use_case=self.use_case,
            description=self.description,
            sample_messages=self.samples(),
            opt_in_description=self.opt_in_description,
            opt_out_message=self.opt_out_message,
            help_message=self.help_message,
        )

    def samples(self) -> tuple[str, ...]:
        return tuple(getattr(self, f"sample_{n}") for n in range(1, MAX_SAMPLES + 1))


BRAND_FIELDS = tuple(asdict(compliance.BrandFields()))


@router.get("/registration", response_class=HTMLResponse)
def registration_page(unit: PageRead) -> Response:
    return _page(unit)


@router.post("/registration", response_class=HTMLResponse)
def save_registration(unit: PageWrite, form: Annotated[RegistrationForm, Form()]) -> Response:
    """Save the drafts, and submit them when asked; a refused submission keeps the drafts."""
    try:
        with unit.session.begin_nested():
            compliance.save_drafts(
                unit.session,
                actor=unit.user,
                brand=form.brand(),
                campaign=form.campaign(),
                now=unit.now,
            )
    except ValidationFailed as error:
        return _again(unit, form, error, saved=False)
    if form.action != "submit":
        unit.flash("Your registration draft is saved.")
        return unit.redirect("/registration")
    try:
        with unit.session.begin_nested():  # refused, it leaves the drafts saved
            compliance.submit(unit.session, actor=unit.user, now=unit.now)
    except ValidationFailed as error:
        return _again(unit, form, error, saved=True)
    unit.flash(
        "Your registration is submitted for review. You will see the decision here; sending "
        "to US numbers starts when it is approved."
    )
    return unit.redirect("/registration")


def _again(
    unit: PageUnit, form: RegistrationForm, error: ValidationFailed, *, saved: bool
) -> Response:
    posted = form.model_dump(exclude={"action", "brand_part", "campaign_part"})
    if not form.brand_part:
        posted = {k: v for k, v in posted.items() if k not in BRAND_FIELDS}
    if not form.campaign_part:
        posted = {k: v for k, v in posted.items() if k in BRAND_FIELDS}
    return _page(
        unit, posted=posted, errors=error.details.get("fields", {}), saved=saved, status_code=422
    )


def _page(
    unit: PageUnit,
    *,
    posted: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    session, user = unit.session, unit.user
    account_id = user.account_id
    status = compliance.registration_status(session, account_id=account_id)
    campaign = compliance.get_campaign(session, account_id=account_id)
    values: dict[str, Any] = asdict(compliance.brand_defaults(session, account_id=account_id))
    if campaign is not None:
        values.update(
            use_case=campaign.use_case,
            description=campaign.description,
            opt_in_description=campaign.opt_in_description,
            opt_out_message=campaign.opt_out_message,
            help_message=campaign.help_message,
        )
        for n, sample in enumerate(campaign.samples, 1):
            values[f"sample_{n}"] = sample
    values.update(posted or {})
    context = {
        "status": status,
        "values": values,
        "errors": errors or {},
        "labels": LABELS,
        "saved": saved,
        "brand_locked": not user.is_admin
        or (status.brand_status is not None and status.brand_status not in EDITABLE),
        "campaign_locked": not user.is_admin
        or (campaign is not None and campaign.status not in EDITABLE),
        "verticals": VERTICALS,
        "use_cases": USE_CASES,
        "samples": range(1, MAX_SAMPLES + 1),
        "primary_admin": primary_admin(user),
    }
    return unit.render("registration.html", context, status_code=status_code)
