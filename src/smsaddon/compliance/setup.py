"""Sender setup: the business profile, sender numbers, and the "Getting started with SMS"
checklist built from what the account has done so far."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smsaddon import audit
from smsaddon.accounts.models import User
from smsaddon.accounts.permissions import require_admin
from smsaddon.compliance.models import BusinessProfile, SenderNumber, Status
from smsaddon.compliance.numbers import NumberProvider
from smsaddon.compliance.registration import get_brand, registration_status
from smsaddon.compliance.validation import BrandFields, ProfileFields, check_profile, refuse
from smsaddon.errors import Conflict, InvalidPhoneNumber
from smsaddon.phones import normalize


@dataclass(frozen=True)
class Step:
    """One step of Getting started. `state`: done, todo (the next thing to do), waiting (on
    someone else), blocked (an earlier step first), attention (rejected or suspended)."""

    key: str
    title: str
    state: str
    summary: str
    action_label: str | None
    action_url: str | None


def get_profile(session: Session, *, account_id: int) -> BusinessProfile | None:
    return session.scalar(select(BusinessProfile).where(BusinessProfile.account_id == account_id))


def save_profile(
    session: Session, *, actor: User, values: ProfileFields, now: datetime
) -> BusinessProfile:
    """Create or replace the business profile (admins only); every bad field is named."""
    require_admin(actor)
    values = ProfileFields(**{k: " ".join(v.split()) for k, v in asdict(values).items()})
    values = ProfileFields(**{**asdict(values), "country": values.country.upper()})
    problems = check_profile(values)
    if problems:
        raise refuse(problems, "business profile")
    profile = get_profile(session, account_id=actor.account_id)
    if profile is None:
        profile = BusinessProfile(account_id=actor.account_id, updated_at=now)
        session.add(profile)
    for name, value in asdict(values).items():
        setattr(profile, name, value)
    profile.updated_at = now
    session.flush()
    audit.record(
        session,
        account_id=actor.account_id,
        actor_user_id=actor.id,
        action=audit.Action.PROFILE_SAVED,
        subject="Business profile",
        details={"business_name": profile.business_name},
        now=now,
    )
    return profile


def sender_numbers(session: Session, *, account_id: int) -> list[SenderNumber]:
    query = select(SenderNumber).where(SenderNumber.account_id == account_id)
    return list(session.scalars(query.order_by(SenderNumber.id)))


def provision_number(
    session: Session, *, actor: User, provider: NumberProvider, country: str, now: datetime
) -> SenderNumber:
    """A sender number for the account from `provider` (admins only; one per account, after
    the business profile)."""
    require_admin(actor)
    if get_profile(session, account_id=actor.account_id) is None:
        raise Conflict("Add your business profile first: carriers need to know who sends.")
    existing = sender_numbers(session, account_id=actor.account_id)
    if existing:
        raise Conflict(
            f"This account has its sender number already: {existing[0].e164}.",
            number=existing[0].e164,
        )
    country = country.strip().upper()
    taken = set(session.scalars(select(SenderNumber.e164)))
    e164 = provider.provision(country=country, taken=taken)
    number = SenderNumber(
        account_id=actor.account_id,
        e164=e164,
        country=country,
        provider=provider.name,
        provisioned_at=now,
    )
    try:
        with session.begin_nested():
            session.add(number)
    except IntegrityError:
        raise Conflict("That number was just taken by someone else. Try again.") from None
    audit.record(
        session,
        account_id=actor.account_id,
        actor_user_id=actor.id,
        action=audit.Action.NUMBER_PROVISIONED,
        subject=f"Sender number {e164}",
        details={"number": e164, "country": country, "provider": provider.name},
        now=now,
    )
    return number


def brand_defaults(session: Session, *, account_id: int) -> BrandFields:
    """The brand form's values: the brand draft, or else what the business profile says."""
    brand = get_brand(session, account_id=account_id)
    if brand is not None:
        return BrandFields(**{f.name: getattr(brand, f.name) for f in fields(BrandFields)})
    profile = get_profile(session, account_id=account_id)
    if profile is None:
        return BrandFields()
    shared = {f.name for f in fields(BrandFields)} & {f.name for f in fields(ProfileFields)}
    values = {name: getattr(profile, name) for name in shared}
    return BrandFields(legal_name=profile.business_name, **values)


def getting_started(session: Session, *, account_id: int) -> list[Step]:
    """The steps with their state and next action."""
    profile = get_profile(session, account_id=account_id)
    numbers = sender_numbers(session, account_id=account_id)
    registration = registration_status(session, account_id=account_id)
    return [
        Step(
            "profile",
            "Business profile",
            "done" if profile else "todo",
            f"{profile.business_name}, {profile.city}"
            if profile
            else "Tell carriers who is sending: your business name, address and contact.",
            "Edit profile" if profile else "Add your business profile",
            "/getting-started/profile",
        ),
        _number_step(bool(profile), [n.e164 for n in numbers]),
        _registration_step(registration.status, registration.reason),
        _first_message_step(
            ready=bool(numbers),
            registration_ok=registration.may_send_to_us,
            own_phone=_own_phone(profile),
        ),
    ]


def _own_phone(profile: BusinessProfile | None) -> str | None:
    """The profile's contact phone in E.164, where a test message goes first."""
    if profile is None:
        return None
    try:
        return normalize(profile.contact_phone, default_region=profile.country).e164
    except InvalidPhoneNumber:
        return None


def next_step(steps: list[Step]) -> Step | None:
    """The first step that needs the account to act."""
    return next((step for step in steps if step.state in ("todo", "attention")), None)


def _number_step(has_profile: bool, numbers: list[str]) -> Step:
    if numbers:
        return Step(
            "number",
            "Sender number",
            "done",
            f"Your messages are sent from {', '.join(numbers)}.",
            None,
            None,
        )
    if not has_profile:
        return Step(
            "number",
            "Sender number",
            "blocked",
            "Get a number to send from, once your business profile is saved.",
            None,
            None,
        )
    return Step(
        "number",
        "Sender number",
        "todo",
        "Get a number to send your messages from.",
        "Get a sender number",
        "/getting-started#number",
    )


def _registration_step(status: str, reason: str | None) -> Step:
    title = "A2P 10DLC registration (for sending to the US)"
    url = "/registration"
    if status == Status.APPROVED:
        return Step(
            "registration",
            title,
            "done",
            "Your brand and campaign are approved: you can send to US numbers.",
            "View registration",
            url,
        )
    if status == Status.SUBMITTED:
        return Step(
            "registration",
            title,
            "waiting",
            "Under review by the carriers. Sending to US numbers starts when it is "
            "approved; until then it is blocked.",
            "View registration",
            url,
        )
    if status == Status.REJECTED:
        return Step(
            "registration",
            title,
            "attention",
            f"Rejected: {reason}. Correct it and submit again.",
            "Correct and resubmit",
            url,
        )
    if status == Status.SUSPENDED:
        return Step(
            "registration",
            title,
            "attention",
            f"Suspended: {reason}. Sending to US numbers is blocked until it is "
            "corrected and approved again.",
            "Correct and resubmit",
            url,
        )
    summary = (
        "Carriers require a registered brand and campaign for messages to US numbers "
        "(Puerto Rico and the other US territories included). Until it is approved, "
        "those messages are blocked. Other countries do not need it."
    )
    label = "Continue registration" if status == Status.DRAFT else "Register"
    return Step("registration", title, "todo", summary, label, url)


def _first_message_step(*, ready: bool, registration_ok: bool, own_phone: str | None) -> Step:
    title = "Send a first test message"
    if not ready:
        return Step(
            "first_message",
            title,
            "blocked",
            "Send a test message to your own phone once you have a sender number.",
            None,
            None,
        )
    note = "" if registration_ok else " Numbers outside the US work now; US numbers after approval."
    phone = f" ({own_phone}, from your business profile)" if own_phone else ""
    return Step(
        "first_message",
        title,
        "todo",
        f"Send a test message to your own phone{phone}.{note}",
        "Send a test message",
        f"/compose?to={quote(own_phone)}" if own_phone else "/compose",
    )
