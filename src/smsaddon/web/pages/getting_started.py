"""The "Getting started with SMS" page: the steps with their state and next action, the
business profile form, and getting a sender number.

Everyone on the account sees the steps; only admins change anything (403 otherwise, with
nothing changed). The number provider is the services' (see wiring.py).
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from smsaddon import compliance
from smsaddon.accounts import Role, User
from smsaddon.billing.models import Subscription
from smsaddon.compliance.validation import LABELS
from smsaddon.errors import ValidationFailed
from smsaddon.http.unit import PageRead, PageUnit, PageWrite

router = APIRouter()


class ProfileForm(BaseModel):
    business_name: str = Field("", max_length=1000)
    street: str = Field("", max_length=1000)
    city: str = Field("", max_length=1000)
    state: str = Field("", max_length=1000)
    postal_code: str = Field("", max_length=1000)
    country: str = Field("US", max_length=1000)
    website: str = Field("", max_length=1000)
    contact_name: str = Field("", max_length=1000)
    contact_email: str = Field("", max_length=1000)
    contact_phone: str = Field("", max_length=1000)


def primary_admin(user: User) -> User:
    return next(u for u in user.account.users if u.role == Role.PRIMARY_ADMIN)


@router.get("/getting-started", response_class=HTMLResponse)
def getting_started(unit: PageRead) -> Response:
    account_id, catalog = unit.user.account_id, unit.services.catalog
    steps = compliance.getting_started(unit.session, account_id=account_id)
    subscription = unit.session.scalars(
        select(Subscription).where(Subscription.account_id == account_id)
    ).one()
    context = {
        "steps": steps,
        "next_step": compliance.next_step(steps),
        "addon_active": subscription.sms_addon,
        "plan": catalog.plan(subscription.plan),
        "sms_plans": [p.name for p in catalog.plans if p.sms_eligible],
        "countries": unit.services.numbers.countries(),
        "primary_admin": primary_admin(unit.user),
    }
    return unit.render("getting_started.html", context)


@router.get("/getting-started/profile", response_class=HTMLResponse)
def profile_form(unit: PageRead) -> Response:
    profile = compliance.get_profile(unit.session, account_id=unit.user.account_id)
    values = (
        {f.name: getattr(profile, f.name) for f in fields(compliance.ProfileFields)}
        if profile
        else asdict(compliance.ProfileFields())
    )
    return _profile_page(unit, values, {})


@router.post("/getting-started/profile", response_class=HTMLResponse)
def save_profile(unit: PageWrite, form: Annotated[ProfileForm, Form()]) -> Response:
    values = compliance.ProfileFields(**form.model_dump())
    try:
        with unit.session.begin_nested():
            compliance.save_profile(unit.session, actor=unit.user, values=values, now=unit.now)
    except ValidationFailed as error:
        return _profile_page(unit, form.model_dump(), error.details.get("fields", {}), 422)
    unit.flash("Your business profile is saved.")
    return unit.redirect("/getting-started")


@router.post("/getting-started/number", response_class=HTMLResponse)
def get_number(unit: PageWrite, country: Annotated[str, Form(max_length=2)] = "US") -> Response:
    number = compliance.provision_number(
        unit.session,
        actor=unit.user,
        provider=unit.services.numbers,
        country=country,
        now=unit.now,
    )
    unit.flash(f"Your sender number is {number.e164}.")
    return unit.redirect("/getting-started")


def _profile_page(
    unit: PageUnit, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "labels": LABELS,
        "primary_admin": primary_admin(unit.user),
    }
    return unit.render("profile.html", context, status_code=status_code)
