"""Messages: the history, with a status filter, and "Simulate a reply" for admins when the
gateway can be handed inbound messages (the simulator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from smsaddon.db import MAX_ID
from smsaddon.errors import Conflict, InvalidPhoneNumber, PermissionDenied, ValidationFailed
from smsaddon.gateways import Capability
from smsaddon.http.unit import PageRead, PageUnit
from smsaddon.phones import normalize
from smsaddon.sms import activity, messages
from smsaddon.sms.models import STATUSES, Kind, Message
from smsaddon.sms.optouts import keyword_of
from smsaddon.web.pages.forms import field_of

router = APIRouter()
PAGE = 100


@router.get("/messages", response_class=HTMLResponse)
def messages_page(
    unit: PageRead,
    status: Annotated[str, Query(max_length=20)] = "",
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    return _page(unit, status=status, before=before)


@router.post("/messages/simulate-reply")
def simulate_reply(
    unit: PageRead,  # it writes nothing: the worker records the reply the simulator hands it
    phone: Annotated[str, Form(max_length=40)],
    text: Annotated[str, Form(max_length=160)],
) -> Response:
    """The simulator receives a reply from a number (STOP, HELP, ...), as a person would: for
    admins, from a number whose reply reaches their own account only."""
    if not unit.user.is_admin:
        raise PermissionDenied("Only admins can simulate a reply.")
    simulator = unit.services.injector()
    if simulator is None:
        raise Conflict("Replies can be simulated only with the simulator gateway.")
    try:
        e164 = _own_replier(unit, phone, text)
    except (InvalidPhoneNumber, ValidationFailed) as error:
        errors = {field_of(error, "phone"): error.message}
        return _page(unit, reply={"phone": phone, "text": text}, errors=errors, status_code=422)
    simulator.inject(from_e164=e164, body=text, at=unit.now)
    unit.flash(f"The simulator received {text!r} from {e164}.")
    return unit.redirect("/messages")


def _own_replier(unit: PageUnit, phone: str, text: str) -> str:
    """`phone` in E.164, when a reply from it reaches the user's account and no other: replies
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
    last = unit.session.scalar(
        select(Message.account_id)
        .where(Message.to_e164 == e164, Message.kind == Kind.MESSAGE)
        .order_by(Message.id.desc())
        .limit(1)
    )
    if last != unit.user.account_id:
        raise ValidationFailed(
            f"From: {e164} is not a number your account messaged last, so its reply would not "
            "reach your account. Simulate replies from the numbers you sent to.",
            field="phone",
        )
    return e164


def _page(
    unit: PageUnit,
    *,
    status: str = "",
    before: int | None = None,
    reply: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    session, account_id, only = unit.session, unit.user.account_id, status or None
    found = messages.list_messages(
        session, account_id=account_id, status=only, before_id=before, limit=PAGE + 1
    )
    context = {
        "messages": found[:PAGE],
        "older": found[PAGE - 1].id if len(found) > PAGE else None,
        "total": activity.count_messages(
            unit.session, account_id=account_id, status=status or None
        ),
        "status": status,
        "statuses": STATUSES,
        "busy": any(m.status in ("queued", "sending", "sent") for m in found[:PAGE]),
        "simulator": unit.user.is_admin and unit.services.can(Capability.INJECT_INBOUND),
        "reply": reply or {"text": "STOP"},
        "errors": errors or {},
    }
    return unit.render("messages.html", context, status_code=status_code)
