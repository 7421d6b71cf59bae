"""The sending pages: Contacts (add, import, lists, the opt-out list), Compose (a live segment
and encoding counter, the characters that forced UCS-2, the smart-encoding suggestion, the
cost per country) and Messages (the history, with filters).

The compose page's script asks POST /compose/preview for the count and the cost as the text
changes; the same services price the message when it is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from smsaddon import credits, formatting
from smsaddon.accounts import User
from smsaddon.db import transaction, utcnow
from smsaddon.errors import (
    Conflict,
    DomainError,
    InsufficientCredits,
    InvalidMessage,
    InvalidPhoneNumber,
    PermissionDenied,
    ValidationFailed,
)
from smsaddon.formatting import count, number
from smsaddon.gateways.base import Capability
from smsaddon.sms import contacts, messages, optouts
from smsaddon.sms.models import STATUSES, Kind, Message
from smsaddon.sms.optouts import keyword_of
from smsaddon.sms.phones import normalize
from smsaddon.sms.segments import analyze
from smsaddon.web import state
from smsaddon.web.pages.forms import field_of, form_status
from smsaddon.web.pages.getting_started import refused
from smsaddon.web.rendering import render
from smsaddon.web.security import signed_in_user

router = APIRouter()
PAGE = 100


def _flash(request: Request, text: str, kind: str = "ok") -> None:
    request.session["flash"] = {"text": text, "kind": kind}


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


# Contacts -----------------------------------------------------------------------------------

# The three forms of the Contacts page and their fields, as the page shows them again after a
# refusal: everything typed is kept, and the field the refusal is about is marked.
CONTACT_FORMS = {
    "add": ("phone", "name", "list", "consent_source"),
    "import": ("csv", "list"),
    "opt_out": ("phone",),
}


@router.get("/contacts", response_class=HTMLResponse)
def contacts_page(
    request: Request, list_name: Annotated[str, Query(alias="list", max_length=100)] = ""
) -> Response:
    with transaction(state.sessions(request)) as session:
        user = signed_in_user(request, session)
        return _contacts(request, session, user, list_name=list_name)


@router.post("/contacts")
def add_contact(
    request: Request,
    phone: Annotated[str, Form(max_length=40)],
    name: Annotated[str, Form(max_length=200)] = "",
    list_name: Annotated[str, Form(alias="list", max_length=100)] = "",
    consent_source: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    now = utcnow()
    typed = {"phone": phone, "name": name, "list": list_name, "consent_source": consent_source}
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            contact = contacts.create_contact(
                session,
                account_id=user.account_id,
                number=phone,
                name=name,
                consent_source=consent_source or None,
                now=now,
            )
            if list_name:
                contacts.add_to_list(
                    session,
                    account_id=user.account_id,
                    list_name=list_name,
                    contact_ids=[contact.id],
                    now=now,
                )
            e164 = contact.e164
    except DomainError as error:
        return _contacts_refused(request, "add", typed, error, default="phone")
    _flash(request, f"Added {e164}.")
    return _back("/contacts")


@router.post("/contacts/import")
def import_contacts(
    request: Request,
    csv_text: Annotated[str, Form(alias="csv", max_length=5_000_000)],
    list_name: Annotated[str, Form(alias="list", min_length=1, max_length=100)],
) -> Response:
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            report = contacts.import_csv(
                session,
                account_id=user.account_id,
                data=csv_text,
                now=utcnow(),
                list_name=list_name,
            )
    except DomainError as error:
        typed = {"csv": csv_text, "list": list_name}
        return _contacts_refused(request, "import", typed, error, default="csv")
    problems = "; ".join(f"line {e.line}: {e.reason}" for e in report.errors[:5])
    text = f"Imported {count(report.imported, 'contact')} into {list_name}."
    if report.errors:
        text += f" Not imported: {count(len(report.errors), 'row')}: {problems}."
    _flash(request, text, "error" if report.errors else "ok")
    return _back("/contacts?" + urlencode({"list": list_name}))


@router.post("/opt-outs")
def change_opt_out(
    request: Request,
    phone: Annotated[str, Form(max_length=40)],
    action: Annotated[str, Form(pattern="^(add|remove)$")],
) -> Response:
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            if action == "add":
                e164 = optouts.add_opt_out(session, actor=user, number=phone, now=utcnow())
            else:
                e164 = optouts.remove_opt_out(session, actor=user, number=phone)
    except DomainError as error:
        return _contacts_refused(request, "opt_out", {"phone": phone}, error, default="phone")
    done = "added to" if action == "add" else "removed from"
    _flash(request, f"{e164} {done} the opt-out list.")
    return _back("/contacts")


def _contacts_refused(
    request: Request, form: str, typed: dict[str, str], error: DomainError, *, default: str
) -> Response:
    """The Contacts page again, with what was typed and the refusal beside its field."""
    field = field_of(error, default)
    field = field if field in CONTACT_FORMS[form] else default
    with transaction(state.sessions(request)) as session:
        user = signed_in_user(request, session)
        return _contacts(
            request,
            session,
            user,
            list_name="",
            typed={form: typed},
            errors={form: {field: error.message}},
            status_code=form_status(error),
        )


def _contacts(
    request: Request,
    session: Session,
    user: User,
    *,
    list_name: str,
    typed: dict[str, dict[str, str]] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        found = contacts.list_contacts(
            session, account_id=user.account_id, list_name=list_name or None, limit=PAGE
        )
    except DomainError:
        found, list_name = [], ""
    typed = typed or {}
    context = {
        "user": user,
        "contacts": found,
        "lists": contacts.lists(session, account_id=user.account_id),
        "list_name": list_name,
        "opt_outs": optouts.list_opt_outs(session, account_id=user.account_id),
        "flash": request.session.pop("flash", None),
        "add": typed.get("add", {"list": list_name}),
        "imported": typed.get("import", {"csv": "phone,name\n", "list": list_name or "customers"}),
        "opt_out": typed.get("opt_out", {}),
        "errors": errors or {},
    }
    return render(request, "contacts.html", context, status_code=status_code)


# Compose ------------------------------------------------------------------------------------


@router.get("/compose", response_class=HTMLResponse)
def compose_page(request: Request, to: Annotated[str, Query(max_length=40)] = "") -> Response:
    with transaction(state.sessions(request)) as session:
        user = signed_in_user(request, session)
        return _compose(request, session, user, typed={"to": to})


def _compose(
    request: Request,
    session: Session,
    user: User,
    *,
    typed: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "user": user,
        "lists": contacts.lists(session, account_id=user.account_id),
        "available": credits.balance(session, account_id=user.account_id, now=utcnow()).available,
        "cap": state.catalog(request).sms_addon.segment_cap,
        "flash": request.session.pop("flash", None),
        "typed": typed,
        "errors": errors or {},
    }
    return render(request, "compose.html", context, status_code=status_code)


EXCLUDED = {
    "duplicate": "repeated: counted once",
    "unregistered": "US: 10DLC registration needed, not charged",
    "opted_out": "opted out (STOP): not sent, not charged",
}


class Preview(BaseModel):
    text: str = Field(max_length=5000)
    to: str = Field("", max_length=40)
    list: str = Field("", max_length=100)


@router.post("/compose/preview")
def preview(request: Request, body: Preview) -> Response:
    """The live counter and cost: encoding, units, segments, why UCS-2, smart encoding, and
    the credits per country for the number or the list."""
    catalog = state.catalog(request)
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            numbers = [body.to] if body.to.strip() else []
            if body.list:
                numbers = messages.list_numbers(
                    session, account_id=user.account_id, list_name=body.list
                )
            balance = credits.balance(session, account_id=user.account_id, now=utcnow())
    except DomainError as error:  # a list that is not there (any more)
        problem = {"error": error.message, "field": field_of(error, "list")}
        return JSONResponse(problem, status_code=422)
    available = balance.available
    result: dict[str, Any] = {"available": available, "error": None}
    if not body.text:
        return JSONResponse(
            {
                **result,
                "encoding": "GSM-7",
                "units": 0,
                "segments": 0,
                "culprits": [],
                "smart": None,
                "countries": [],
                "total_credits": 0,
                "invalid": [],
                "unsupported": [],
            }
        )
    analysis = analyze(body.text, segment_cap=None)
    result |= {
        "encoding": analysis.encoding,
        "units": analysis.units,
        "segments": analysis.segments,
        "culprits": [{"char": c.char, "names": list(c.names)} for c in analysis.culprits],
        "smart": None
        if analysis.smart is None or analysis.smart.segments_saved <= 0
        else {
            "text": analysis.smart.text,
            "segments": analysis.smart.after.segments,
            "encoding": analysis.smart.after.encoding,
        },
    }
    try:
        with transaction(state.sessions(request)) as session:
            found_estimate = messages.estimate(
                session,
                account_id=user.account_id,
                catalog=catalog,
                text=body.text,
                recipients=numbers,
            )
    except InvalidMessage as error:
        return JSONResponse(
            {
                **result,
                "error": error.message,
                "countries": [],
                "total_credits": 0,
                "invalid": [],
                "unsupported": [],
            }
        )
    result |= {
        "countries": [
            {
                "name": c.name,
                "code": c.code,
                "recipients": c.recipients,
                "credits_per_segment": c.credits_per_segment,
                "credits": c.credits,
            }
            for c in found_estimate.countries
        ],
        "total_credits": found_estimate.total_credits,
        "invalid": [f"{r.given}: {r.reason}" for r in found_estimate.invalid],
        "unsupported": [f"{u.e164} ({u.country})" for u in found_estimate.unsupported],
        "excluded": [
            f"{n} {EXCLUDED[group]}"
            for group, n in found_estimate.excluded.items()
            if group in EXCLUDED
        ],
    }
    return JSONResponse(result)


@router.post("/compose")
def send(
    request: Request,
    text: Annotated[str, Form(max_length=5000)],
    to: Annotated[str, Form(max_length=40)] = "",
    list_name: Annotated[str, Form(alias="list", max_length=100)] = "",
    send_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    catalog, now = state.catalog(request), utcnow()
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            when = _send_at(send_at, user.account.time_zone, now) if send_at else None
            if list_name:
                result = messages.send_broadcast(
                    session,
                    actor=user,
                    list_name=list_name,
                    body=text,
                    catalog=catalog,
                    now=now,
                    send_at=when,
                )
                note = (
                    f"Broadcast to {list_name}: {count(result.queued, 'message')} queued, "
                    f"{count(result.credits, 'credit')} held."
                )
                if result.blocked:
                    note += f" {number(sum(result.blocked.values()))} blocked (free)."
            else:
                message = messages.send_message(
                    session, actor=user, to=to, body=text, catalog=catalog, now=now, send_at=when
                )
                note = (
                    f"Message to {message.to_e164} {message.status}: "
                    f"{count(message.credits, 'credit')} held."
                    if message.status == "queued"
                    else f"Message to {message.to_e164} blocked: {message.reason}"
                )
    except DomainError as error:
        field = field_of(error, "list" if list_name else SEND_FIELDS.get(type(error), "to"))
        typed = {"text": text, "to": to, "list": list_name, "send_at": send_at}
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            return _compose(
                request,
                session,
                user,
                typed=typed,
                errors={field: error.message},
                status_code=form_status(error),
            )
    _flash(request, note)
    return _back("/messages")


# Which field of Compose a refusal is about, when the service does not name it.
SEND_FIELDS: dict[type[DomainError], str] = {InvalidMessage: "text", InsufficientCredits: "text"}
# How far ahead a message may be scheduled.
SEND_AT_HORIZON = timedelta(days=366)


def _send_at(typed: str, zone: str, now: datetime) -> datetime:
    """`send_at` as typed in the account's time zone (a `datetime-local` value), in UTC."""
    try:
        local = datetime.fromisoformat(typed)
        if local.tzinfo is None:
            local = local.replace(tzinfo=formatting.time_zone(zone))
        when = local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationFailed(
            f"Send at: {typed!r} is not a date and time (YYYY-MM-DD HH:MM).", field="send_at"
        ) from None
    if when > now + SEND_AT_HORIZON:
        raise ValidationFailed(
            "Send at: a message may be scheduled at most a year ahead.", field="send_at"
        )
    return when


# Messages -----------------------------------------------------------------------------------


@router.get("/messages", response_class=HTMLResponse)
def messages_page(request: Request, status: Annotated[str, Query(max_length=20)] = "") -> Response:
    with transaction(state.sessions(request)) as session:
        user = signed_in_user(request, session)
        return _messages(request, session, user, status=status)


def _messages(
    request: Request,
    session: Session,
    user: User,
    *,
    status: str = "",
    reply: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = messages.list_messages(
        session, account_id=user.account_id, status=status or None, limit=PAGE
    )
    context = {
        "user": user,
        "messages": found,
        "status": status,
        "statuses": STATUSES,
        "busy": any(m.status in ("queued", "sending", "sent") for m in found),
        "simulator": user.is_admin and _simulator(request) is not None,
        "reply": reply or {"text": "STOP"},
        "errors": errors or {},
        "flash": request.session.pop("flash", None),
    }
    return render(request, "messages.html", context, status_code=status_code)


@router.post("/messages/simulate-reply")
def simulate_reply(
    request: Request,
    phone: Annotated[str, Form(max_length=40)],
    text: Annotated[str, Form(max_length=160)],
) -> Response:
    """The simulator receives a reply from a number (STOP, HELP, ...), as a person would: for
    admins, from a number whose reply reaches their own account only."""
    simulator = _simulator(request)
    try:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            if not user.is_admin:
                raise PermissionDenied("Only admins can simulate a reply.")
            if simulator is None:
                raise Conflict("Replies can be simulated only with the simulator gateway.")
            e164 = _own_replier(session, user, phone, text)
    except (InvalidPhoneNumber, ValidationFailed) as error:
        with transaction(state.sessions(request)) as session:
            user = signed_in_user(request, session)
            return _messages(
                request,
                session,
                user,
                reply={"phone": phone, "text": text},
                errors={field_of(error, "phone"): error.message},
                status_code=422,
            )
    except DomainError as error:
        return refused(request, error)
    simulator.inject(from_e164=e164, body=text, at=utcnow())
    _flash(request, f"The simulator received {text!r} from {e164}.")
    return _back("/messages")


def _own_replier(session: Session, user: User, phone: str, text: str) -> str:
    """`phone` in E.164, when a reply from it reaches `user`'s account and no other: replies
    go to the account that messaged the number last, and STOPALL to every one that did."""
    if (keyword_of(text) or (None, ""))[1] == "STOPALL":
        raise ValidationFailed(
            "Text: STOPALL opts the number out of every account that messaged it; a simulated "
            "reply acts on your account only, so send STOP.",
            field="text",
        )
    try:
        e164 = normalize(phone).e164
    except InvalidPhoneNumber as error:
        raise InvalidPhoneNumber(f"From: {error.message}", field="phone") from None
    last = session.scalar(
        select(Message.account_id)
        .where(Message.to_e164 == e164, Message.kind == Kind.MESSAGE)
        .order_by(Message.id.desc())
        .limit(1)
    )
    if last != user.account_id:
        raise ValidationFailed(
            f"From: {e164} is not a number your account messaged last, so its reply would not "
            "reach your account. Simulate replies from the numbers you sent to.",
            field="phone",
        )
    return e164


def _simulator(request: Request) -> Injector | None:
    """The gateway, when it can be handed an inbound message (the simulator)."""
    gateway = getattr(request.app.state, "gateway", None)
    if gateway is None or Capability.INJECT_INBOUND not in gateway.capabilities:
        return None
    return cast(Injector, gateway)


class Injector(Protocol):
    """A gateway with `Capability.INJECT_INBOUND`."""

    def inject(self, *, from_e164: str, body: str, at: datetime) -> None: ...
