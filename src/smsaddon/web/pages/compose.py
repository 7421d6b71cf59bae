"""Compose: a live segment and encoding counter, the characters that forced UCS-2, the
smart-encoding suggestion, the cost per country, and sending (now, or at a time read in the
account's time zone).

The page's script asks POST /compose/preview for the count and the cost as the text changes;
the same services price the message when it is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from smsaddon import credits, formatting
from smsaddon.errors import DomainError, InsufficientCredits, InvalidMessage, ValidationFailed
from smsaddon.formatting import count, number
from smsaddon.http.unit import PageRead, PageUnit, PageWrite
from smsaddon.segments import analyze
from smsaddon.sms import contacts, messages
from smsaddon.web.pages.forms import field_of, form_status

router = APIRouter()

# Which field a refusal is about, when the service does not name it.
FIELDS: dict[type[DomainError], str] = {InvalidMessage: "text", InsufficientCredits: "text"}
# How far ahead a message may be scheduled.
SEND_AT_HORIZON = timedelta(days=366)


@router.get("/compose", response_class=HTMLResponse)
def compose_page(unit: PageRead, to: Annotated[str, Query(max_length=40)] = "") -> Response:
    return _page(unit, typed={"to": to})


@router.post("/compose")
def send(
    unit: PageWrite,
    text: Annotated[str, Form(max_length=5000)],
    to: Annotated[str, Form(max_length=40)] = "",
    list_name: Annotated[str, Form(alias="list", max_length=100)] = "",
    send_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    catalog, now = unit.services.catalog, unit.now
    try:
        with unit.session.begin_nested():
            when = _send_at(send_at, unit.user.account.time_zone, now) if send_at else None
            what: dict[str, Any] = {
                "actor": unit.user,
                "body": text,
                "catalog": catalog,
                "now": now,
            }
            if list_name:
                result = messages.send_broadcast(
                    unit.session, list_name=list_name, send_at=when, **what
                )
                note = (
                    f"Broadcast to {list_name}: {count(result.queued, 'message')} queued, "
                    f"{count(result.credits, 'credit')} held."
                )
                if result.blocked:
                    note += f" {number(sum(result.blocked.values()))} blocked (free)."
            else:
                message = messages.send_message(unit.session, to=to, send_at=when, **what)
                note = (
                    f"Message to {message.to_e164} {message.status}: "
                    f"{count(message.credits, 'credit')} held."
                    if message.status == "queued"
                    else f"Message to {message.to_e164} blocked: {message.reason}"
                )
    except DomainError as error:
        field = field_of(error, "list" if list_name else FIELDS.get(type(error), "to"))
        typed = {"text": text, "to": to, "list": list_name, "send_at": send_at}
        return _page(
            unit, typed=typed, errors={field: error.message}, status_code=form_status(error)
        )
    unit.flash(note)
    return unit.redirect("/messages")


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


def _page(
    unit: PageUnit,
    *,
    typed: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    account_id = unit.user.account_id
    context = {
        "lists": contacts.lists(unit.session, account_id=account_id),
        "available": credits.balance(unit.session, account_id=account_id, now=unit.now).available,
        "cap": unit.services.catalog.sms_addon.segment_cap,
        "typed": typed,
        "errors": errors or {},
    }
    return unit.render("compose.html", context, status_code=status_code)


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
def preview(unit: PageRead, body: Preview) -> Response:
    """The live counter and cost: encoding, units, segments, why UCS-2, smart encoding, and
    the credits per country for the number or the list."""
    account_id = unit.user.account_id
    numbers = [body.to] if body.to.strip() else []
    try:
        if body.list:
            numbers = messages.list_numbers(
                unit.session, account_id=account_id, list_name=body.list
            )
    except DomainError as error:  # a list that is not there (any more)
        problem = {"error": error.message, "field": field_of(error, "list")}
        return JSONResponse(problem, status_code=422)
    available = credits.balance(unit.session, account_id=account_id, now=unit.now).available
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
        found_estimate = messages.estimate(
            unit.session,
            account_id=account_id,
            catalog=unit.services.catalog,
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
