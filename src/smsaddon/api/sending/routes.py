"""/api/v1/contacts, /api/v1/messages, /api/v1/broadcasts and /api/v1/opt-outs.

Every user of an account may read and manage its contacts and send messages; only admins
may change the opt-out list. A message is priced and its credits held when it is accepted
(201, `queued`); a message to an opted-out number is recorded `blocked` (201, free). A
broadcast holds all its credits at once, or none (402 `insufficient_credits`, with the
credits `needed` and `available`). Another account's objects do not exist (404).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from smsaddon.api.common import (
    Cursor,
    Page,
    body_examples,
    decode_cursor,
    idempotent,
    ok,
    page,
    replayed,
)
from smsaddon.api.idempotency import json_response
from smsaddon.api.sending.examples import (
    BROADCAST_EX,
    CONTACT_EX,
    IMPORT_EX,
    MESSAGE_EX,
    OPT_OUT_EX,
)
from smsaddon.api.sending.schemas import (
    BroadcastIn,
    BroadcastOut,
    ContactIn,
    ContactOut,
    ContactPatch,
    ImportIn,
    ImportOut,
    MessageIn,
    MessageOut,
    OptOutIn,
    OptOutOut,
    StatusName,
)
from smsaddon.db import MAX_ID, transaction
from smsaddon.errors import NotFound, ValidationFailed
from smsaddon.http.problems import ProblemRoute, problem_responses
from smsaddon.http.unit import ApiRead, ApiWrite, IdempotencyKey
from smsaddon.sms import contacts, messages, optouts
from smsaddon.sms.models import Broadcast

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)

SEND_PROBLEMS = (
    "invalid_message",
    "invalid_phone_number",
    "unsupported_country",
    "insufficient_credits",
    "addon_required",
    "registration_required",
    "idempotency_key_reused",
)
SEND_AHEAD = timedelta(days=366)  # the latest send_at: a year from now


def _page_example(example: Mapping[str, object]) -> dict[str, object]:
    return {"items": [example], "next_cursor": None, "total": 1}


def _send_at(send_at: datetime | None, now: datetime) -> datetime | None:
    """A time to send, aware and within a year; anything else is refused, naming the field."""
    if send_at is None:
        return None
    if send_at.tzinfo is None:
        raise ValidationFailed(
            "Give send_at with its offset, like 2026-11-11T09:00:00Z.", field="send_at"
        )
    if send_at > now + SEND_AHEAD:
        raise ValidationFailed("send_at is more than a year ahead.", field="send_at")
    return send_at


# Contacts -----------------------------------------------------------------------------------


@router.get(
    "/contacts",
    tags=["contacts"],
    summary="Contacts, oldest first",
    description="Pages follow `next_cursor`; repeat the same filters with it.",
    response_model=Page[ContactOut],
    responses={200: ok(_page_example(CONTACT_EX)), **problem_responses("not_found")},
)
def get_contacts(
    unit: ApiRead,
    list_name: Annotated[str | None, Query(alias="list", max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Cursor = None,
) -> Page[ContactOut]:
    account_id = unit.user.account_id
    rows = contacts.list_contacts(
        unit.session,
        account_id=account_id,
        list_name=list_name,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    total = contacts.count_contacts(unit.session, account_id=account_id, list_name=list_name)
    return page(rows, limit=limit, total=total, view=ContactOut.model_validate)


@router.post(
    "/contacts",
    tags=["contacts"],
    status_code=201,
    summary="Add a contact",
    response_model=ContactOut,
    responses={
        201: ok(CONTACT_EX, "The contact, its number normalized."),
        **problem_responses("invalid_phone_number", "conflict", "idempotency_key_reused"),
    },
)
def post_contact(
    unit: ApiWrite,
    body: Annotated[
        ContactIn,
        body_examples(
            contact={
                "phone": "+44 7400 123456",
                "name": "Ada",
                "consent_source": "signup form",
                "list": "customers",
            }
        ),
    ],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    session, account_id, now = unit.session, unit.user.account_id, unit.now

    def create() -> ContactOut:
        contact = contacts.create_contact(
            session,
            account_id=account_id,
            number=body.phone,
            name=body.name,
            consent_source=body.consent_source,
            now=now,
        )
        if body.list:
            contacts.add_to_list(
                session,
                account_id=account_id,
                list_name=body.list,
                contact_ids=[contact.id],
                now=now,
            )
        return ContactOut.model_validate(contact)

    return idempotent(unit, idempotency_key, create, body=body, status=201)


@router.patch(
    "/contacts/{contact_id}",
    tags=["contacts"],
    summary="Change a contact",
    response_model=ContactOut,
    responses={200: ok(CONTACT_EX), **problem_responses("not_found")},
)
def patch_contact(
    unit: ApiWrite,
    body: Annotated[ContactPatch, body_examples(rename={"name": "Ada L."})],
    contact_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> ContactOut:
    contact = contacts.update_contact(
        unit.session,
        account_id=unit.user.account_id,
        contact_id=contact_id,
        now=unit.now,
        name=body.name,
        consent_source=body.consent_source,
    )
    return ContactOut.model_validate(contact)


@router.post(
    "/contacts/import",
    tags=["contacts"],
    summary="Import contacts from CSV",
    description="Good rows are stored; each bad row is reported with its line and reason.",
    response_model=ImportOut,
    responses={200: ok(IMPORT_EX), **problem_responses("idempotency_key_reused")},
)
def post_import(
    unit: ApiRead,
    body: Annotated[
        ImportIn,
        body_examples(csv={"csv": "phone,name\n+447400123456,Ada\n", "list": "customers"}),
    ],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    # The import writes its chunks in transactions of their own (see contacts.import_csv), so
    # this request's unit only reads: a key that ran already is answered before anything is
    # written, and the answer is stored under the key after the import has run.
    earlier = replayed(unit, idempotency_key, body=body)
    if earlier is not None:
        return earlier
    report = contacts.import_csv(
        unit.services.sessions,
        account_id=unit.user.account_id,
        data=body.csv,
        now=unit.now,
        list_name=body.list,
        default_region=body.default_region,
        max_rows=unit.services.settings.import_max_rows,
    )
    with transaction(unit.services.sessions, holder=object()) as session:
        return idempotent(
            replace(unit, session=session),
            idempotency_key,
            lambda: ImportOut.model_validate(report),
            body=body,
        )


# Messages -----------------------------------------------------------------------------------


@router.post(
    "/messages",
    tags=["messages"],
    status_code=201,
    summary="Send one message",
    description="Priced and its credits held now; `blocked` (free) when the number opted out.",
    response_model=MessageOut,
    responses={
        201: ok(MESSAGE_EX, "The message, queued (or blocked)."),
        **problem_responses(*SEND_PROBLEMS),
    },
)
def post_message(
    unit: ApiWrite,
    body: Annotated[
        MessageIn,
        body_examples(
            now={"to": "+447400123456", "text": "Hi from Demo Co"},
            later={
                "to": "+447400123456",
                "text": "Doors open at 9",
                "send_at": "2026-11-11T09:00:00Z",
            },
        ),
    ],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    send_at = _send_at(body.send_at, unit.now)

    def send() -> MessageOut:
        message = messages.send_message(
            unit.session,
            actor=unit.user,
            to=body.to,
            body=body.text,
            catalog=unit.services.catalog,
            now=unit.now,
            send_at=send_at,
        )
        return MessageOut.model_validate(message)

    return idempotent(unit, idempotency_key, send, body=body, status=201)


@router.get(
    "/messages",
    tags=["messages"],
    summary="Message history, newest first",
    description="Pages follow `next_cursor`; repeat the same filters with it.",
    response_model=Page[MessageOut],
    responses={200: ok(_page_example(MESSAGE_EX)), **problem_responses()},
)
def get_messages(
    unit: ApiRead,
    status: Annotated[StatusName | None, Query()] = None,
    broadcast_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[MessageOut]:
    account_id = unit.user.account_id
    rows = messages.list_messages(
        unit.session,
        account_id=account_id,
        status=status,
        broadcast_id=broadcast_id,
        to=to,
        before_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    total = messages.count_messages(
        unit.session, account_id=account_id, status=status, broadcast_id=broadcast_id, to=to
    )
    return page(rows, limit=limit, total=total, view=MessageOut.model_validate)


@router.get(
    "/messages/{message_id}",
    tags=["messages"],
    summary="One message",
    response_model=MessageOut,
    responses={200: ok(MESSAGE_EX), **problem_responses("not_found")},
)
def get_message(unit: ApiRead, message_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> MessageOut:
    found = messages.get_message(
        unit.session, account_id=unit.user.account_id, message_id=message_id
    )
    return MessageOut.model_validate(found)


@router.post(
    "/messages/{message_id}/cancel",
    tags=["messages"],
    summary="Cancel a queued message (its credits are released)",
    response_model=MessageOut,
    responses={
        200: ok({**MESSAGE_EX, "status": "canceled"}),
        **problem_responses("not_found", "conflict"),
    },
)
def cancel_message(unit: ApiWrite, message_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> MessageOut:
    found = messages.cancel_message(
        unit.session, account_id=unit.user.account_id, message_id=message_id, now=unit.now
    )
    return MessageOut.model_validate(found)


# Broadcasts ---------------------------------------------------------------------------------


@router.post(
    "/broadcasts",
    tags=["messages"],
    status_code=201,
    summary="Send one text to every contact of a list",
    description="All its credits are held in one go, or none: 402 says how many are "
    "needed and available. Opted-out, unsupported and unregistered "
    "recipients are blocked, free.",
    response_model=BroadcastOut,
    responses={
        201: ok(BROADCAST_EX, "The broadcast, its messages queued."),
        **problem_responses("not_found", "validation_failed", *SEND_PROBLEMS),
    },
)
def post_broadcast(
    unit: ApiWrite,
    body: Annotated[
        BroadcastIn,
        body_examples(sale={"list": "customers", "text": "Sale today! Reply STOP to opt out"}),
    ],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    send_at = _send_at(body.send_at, unit.now)

    def send() -> BroadcastOut:
        result = messages.send_broadcast(
            unit.session,
            actor=unit.user,
            list_name=body.list,
            body=body.text,
            catalog=unit.services.catalog,
            now=unit.now,
            send_at=send_at,
        )
        return BroadcastOut.model_validate(result.broadcast)

    return idempotent(unit, idempotency_key, send, body=body, status=201)


@router.get(
    "/broadcasts/{broadcast_id}",
    tags=["messages"],
    summary="One broadcast",
    response_model=BroadcastOut,
    responses={200: ok(BROADCAST_EX), **problem_responses("not_found")},
)
def get_broadcast(
    unit: ApiRead, broadcast_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> BroadcastOut:
    found = unit.session.get(Broadcast, broadcast_id)
    if found is None or found.account_id != unit.user.account_id:
        raise NotFound(f"there is no broadcast {broadcast_id}", broadcast_id=broadcast_id)
    return BroadcastOut.model_validate(found)


# Opt-outs -----------------------------------------------------------------------------------


@router.get(
    "/opt-outs",
    tags=["contacts"],
    summary="Numbers that opted out, newest first",
    description="Pages follow `next_cursor`.",
    response_model=Page[OptOutOut],
    responses={200: ok(_page_example(OPT_OUT_EX)), **problem_responses()},
)
def get_opt_outs(
    unit: ApiRead,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Page[OptOutOut]:
    account_id = unit.user.account_id
    rows = optouts.list_opt_outs(
        unit.session, account_id=account_id, before_id=decode_cursor(cursor), limit=limit + 1
    )
    total = optouts.count_opt_outs(unit.session, account_id=account_id)
    return page(rows, limit=limit, total=total, view=OptOutOut.model_validate)


@router.post(
    "/opt-outs",
    tags=["contacts"],
    status_code=201,
    summary="Add a number to the opt-out list (admins)",
    response_model=OptOutIn,
    responses={
        201: ok({"phone": "+447400123456"}),
        **problem_responses("permission_denied", "invalid_phone_number"),
    },
)
def post_opt_out(
    unit: ApiWrite, body: Annotated[OptOutIn, body_examples(number={"phone": "+447400123456"})]
) -> Response:
    e164 = optouts.add_opt_out(unit.session, actor=unit.user, number=body.phone, now=unit.now)
    return json_response(OptOutIn(phone=e164), 201)


@router.delete(
    "/opt-outs/{phone}",
    tags=["contacts"],
    summary="Remove a number from the opt-out list (admins)",
    responses={
        200: ok({"phone": "+447400123456"}, "Removed."),
        **problem_responses("permission_denied", "not_found"),
    },
)
def delete_opt_out(unit: ApiWrite, phone: Annotated[str, Path(max_length=40)]) -> Response:
    removed = optouts.remove_opt_out(unit.session, actor=unit.user, number=phone)
    return json_response(OptOutIn(phone=removed), 200)
