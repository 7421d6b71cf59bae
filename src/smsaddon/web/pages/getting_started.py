"""The "Getting started with SMS" page: the steps with their state and next action, the
business profile form, and getting a sender number.

Everyone on the account sees the steps; only admins change anything (403 otherwise, with
nothing changed). The number provider comes from the services (see wiring.py); due
registration reviews are applied by the worker, never by a page.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from smsaddon import compliance
from smsaddon.accounts import Role, User
from smsaddon.billing.models import Subscription
from smsaddon.compliance.validation import LABELS
from smsaddon.db import transaction, utcnow
from smsaddon.errors import DomainError, PermissionDenied, ValidationFailed
from smsaddon.web import state
from smsaddon.web.rendering import render
from smsaddon.web.security import signed_in_user

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


def number_provider(request: Request) -> compliance.NumberProvider:
    return state.services(request).numbers


def primary_admin(user: User) -> User:
    return next(u for u in user.account.users if u.role == Role.PRIMARY_ADMIN)


def refused(request: Request, error: DomainError) -> Response:
    """A refused change as a page of its own (permission, conflict)."""
    title = "Only admins can do this" if isinstance(error, PermissionDenied) else "Not done"
    context = {"title": title, "message": f"{error.message} Nothing was changed."}
    return render(request, "error.html", context, status_code=error.status)


@router.get("/getting-started", response_class=HTMLResponse)
def getting_started(request: Request) -> Response:
    with transaction(state.sessions(request)) as session:
        user = signed_in_user(request, session)
        steps = compliance.getting_started(session, account_id=user.account_id)
        subscription = session.scalars(
            select(Subscription).where(Subscription.account_id == user.account_id)
        ).one()
        context = {
            "user": user,
            "steps": steps,
            "next_step": compliance.next_step(steps),
            "addon_active": subscription.sms_addon,
            "plan": state.catalog(request).plan(subscription.plan),
            "sms_plans": [p.name for p in state.catalog(request).plans if p.sms_eligible],
            "countries": number_provider(request).countries(),
            "primary_admin": primary_admin(user),
            "flash": request.session.pop("flash", None),
            "error": request.session.pop("error", None),
        }
        return render(request, "getting_started.html", context)


@router.get("/getting-started/profile", response_class=HTMLResponse)
def profile_form(request: Request) -> Response:
    with transaction(state.sessions(request)) as session:
        user = signed_in_user(request, session)
        profile = compliance.get_profile(session, account_id=user.account_id)
        values = (
            {f.name: getattr(profile, f.name) for f in fields(compliance.ProfileFields)}
            if profile
            else asdict(compliance.ProfileFields())
        )
        return _profile_page(request, user, values, {})


@router.post("/getting-started/profile", response_class=HTMLResponse)
def save_profile(request: Request, form: Annotated[ProfileForm, Form()]) -> Response:
    values = compliance.ProfileFields(**form.model_dump())
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            compliance.save_profile(session, actor=user, values=values, now=utcnow())
    except ValidationFailed as error:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            return _profile_page(
                request, user, form.model_dump(), error.details.get("fields", {}), 422
            )
    except DomainError as error:
        return refused(request, error)
    request.session["flash"] = "Your business profile is saved."
    return RedirectResponse("/getting-started", status_code=303)


@router.post("/getting-started/number", response_class=HTMLResponse)
def get_number(request: Request, country: Annotated[str, Form(max_length=2)] = "US") -> Response:
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            number = compliance.provision_number(
                session,
                actor=user,
                provider=number_provider(request),
                country=country,
                now=utcnow(),
            )
    except DomainError as error:
        return refused(request, error)
    request.session["flash"] = f"Your sender number is {number.e164}."
    return RedirectResponse("/getting-started", status_code=303)


def _profile_page(
    request: Request,
    user: User,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        "user": user,
        "values": values,
        "errors": errors,
        "labels": LABELS,
        "primary_admin": primary_admin(user),
    }
    return render(request, "profile.html", context, status_code=status_code)
