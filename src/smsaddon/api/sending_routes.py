"""/api/v1/contacts, /api/v1/messages, /api/v1/broadcasts and /api/v1/opt-outs.

Every user of an account may read and manage its contacts and send messages; only admins
may change the opt-out list. A message is priced and its credits held when it is accepted
(201, `queued`); a message to an opted-out number is recorded `blocked` (201, free). A
broadcast holds all its credits at once, or none (402 `insufficient_credits`, with the
credits `needed` and `available`). Another account's objects do not exist (404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from smsaddon.api.deps import IdempotencyKey, Token, catalog, sessions
from smsaddon.api.idempotency import fingerprint, json_response, respond_once
from smsaddon.api.sending_schemas import (
    BROADCAST_EX,
    CONTACT_EX,
    IMPORT_EX,
    MESSAGE_EX,
    OPT_OUT_EX,
    BroadcastIn,
    BroadcastOut,
    ContactIn,
    ContactOut,
    ContactPatch,
    ImportIn,
    ImportOut,
    MessageIn,
    MessageOut,
    MessagePage,
    OptOutIn,
    OptOutOut,
    StatusName,
    examples,
    ok,
)
from smsaddon.db import MAX_ID, transaction, utcnow
from smsaddon.errors import NotFound
from smsaddon.http.problems import EXAMPLES, ProblemRoute, problem_responses
from smsaddon.http.unit import authenticated
from smsaddon.sms import contacts, messages, optouts
from smsaddon.sms.models import Broadcast, Contact, Message

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)

EXAMPLES.setdefault(
    "addon_required",
    (
        403,
        "Sending SMS needs the SMS add-on. Buy it on the Billing & Upgrade page.",
        {"where": "/billing"},
    ),
)
EXAMPLES.setdefault(
    "registration_required",
    (
        403,
        "Messages to United States numbers (US) need an approved A2P 10DLC brand and "
        "campaign registration.",
        {"region": "US"},
    ),
)
SEND_PROBLEMS = (
    "invalid_message",
    "invalid_phone_number",
    "unsupported_country",
    "insufficient_credits",
    "addon_required",
    "registration_required",
    "idempotency_key_reused",
)
# Contacts -----------------------------------------------------------------------------------


@router.get(
    "/contacts",
    tags=["contacts"],
    summary="Contacts",
    response_model=list[ContactOut],
    responses={200: ok([CONTACT_EX]), **problem_responses("not_found")},
)
def get_contacts(
    request: Request,
    token: Token,
    list_name: Annotated[str | None, Query(alias="list", max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ContactOut]:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        found = contacts.list_contacts(
            session, account_id=user.account_id, list_name=list_name, limit=limit, offset=offset
        )
        return [ContactOut.model_validate(c) for c in found]


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
    request: Request,
    token: Token,
    body: Annotated[
        ContactIn,
        examples(
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
    now = utcnow()
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)

        def create() -> ContactOut:
            contact = contacts.create_contact(
                session,
                account_id=user.account_id,
                number=body.phone,
                name=body.name,
                consent_source=body.consent_source,
                now=now,
            )
            if body.list:
                contacts.add_to_list(
                    session,
                    account_id=user.account_id,
                    list_name=body.list,
                    contact_ids=[contact.id],
                    now=now,
                )
            return ContactOut.model_validate(contact)

        return respond_once(
            session,
            account_id=user.account_id,
            key=idempotency_key,
            request_hash=fingerprint("POST", request.url.path, body),
            now=now,
            status=201,
            produce=create,
        )


@router.patch(
    "/contacts/{contact_id}",
    tags=["contacts"],
    summary="Change a contact",
    response_model=ContactOut,
    responses={200: ok(CONTACT_EX), **problem_responses("not_found")},
)
def patch_contact(
    request: Request,
    token: Token,
    body: Annotated[ContactPatch, examples(rename={"name": "Ada L."})],
    contact_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> ContactOut:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        contact: Contact = contacts.update_contact(
            session,
            account_id=user.account_id,
            contact_id=contact_id,
            now=utcnow(),
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
    request: Request,
    token: Token,
    body: Annotated[
        ImportIn, examples(csv={"csv": "phone,name\n+447400123456,Ada\n", "list": "customers"})
    ],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    now = utcnow()
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)

        def run() -> ImportOut:
            report = contacts.import_csv(
                session,
                account_id=user.account_id,
                data=body.csv,
                now=now,
                list_name=body.list,
                default_region=body.default_region,
            )
            return ImportOut.model_validate(report)

        return respond_once(
            session,
            account_id=user.account_id,
            key=idempotency_key,
            request_hash=fingerprint("POST", request.url.path, body),
            now=now,
            status=200,
            produce=run,
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
    request: Request,
    token: Token,
    body: Annotated[
        MessageIn,
        examples(
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
    now = utcnow()
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)

        def send() -> MessageOut:
            message = messages.send_message(
                session,
                actor=user,
                to=body.to,
                body=body.text,
                catalog=catalog(request),
                now=now,
                send_at=body.send_at,
            )
            return MessageOut.model_validate(message)

        return respond_once(
            session,
            account_id=user.account_id,
            key=idempotency_key,
            request_hash=fingerprint("POST", request.url.path, body),
            now=now,
            status=201,
            produce=send,
        )


@router.get(
    "/messages",
    tags=["messages"],
    summary="Message history, newest first",
    response_model=MessagePage,
    responses={200: ok({"items": [MESSAGE_EX], "next_cursor": 6}), **problem_responses()},
)
def get_messages(
    request: Request,
    token: Token,
    status: Annotated[StatusName | None, Query()] = None,
    broadcast_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` of a page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> MessagePage:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        found = messages.list_messages(
            session,
            account_id=user.account_id,
            status=status,
            broadcast_id=broadcast_id,
            to=to,
            before_id=before,
            limit=limit + 1,
        )
        items = [MessageOut.model_validate(m) for m in found[:limit]]
    return MessagePage(items=items, next_cursor=items[-1].id if len(found) > limit else None)


@router.get(
    "/messages/{message_id}",
    tags=["messages"],
    summary="One message",
    response_model=MessageOut,
    responses={200: ok(MESSAGE_EX), **problem_responses("not_found")},
)
def get_message(
    request: Request, token: Token, message_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> MessageOut:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        found: Message = messages.get_message(
            session, account_id=user.account_id, message_id=message_id
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
def cancel_message(
    request: Request, token: Token, message_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> MessageOut:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        found = messages.cancel_message(
            session, account_id=user.account_id, message_id=message_id, now=utcnow()
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
    request: Request,
    token: Token,
    body: Annotated[
        BroadcastIn,
        examples(sale={"list": "customers", "text": "Sale today! Reply STOP to opt out"}),
    ],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    now = utcnow()
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)

        def send() -> BroadcastOut:
            result = messages.send_broadcast(
                session,
                actor=user,
                list_name=body.list,
                body=body.text,
                catalog=catalog(request),
                now=now,
                send_at=body.send_at,
            )
            return BroadcastOut.model_validate(result.broadcast)

        return respond_once(
            session,
            account_id=user.account_id,
            key=idempotency_key,
            request_hash=fingerprint("POST", request.url.path, body),
            now=now,
            status=201,
            produce=send,
        )


@router.get(
    "/broadcasts/{broadcast_id}",
    tags=["messages"],
    summary="One broadcast",
    response_model=BroadcastOut,
    responses={200: ok(BROADCAST_EX), **problem_responses("not_found")},
)
def get_broadcast(
    request: Request, token: Token, broadcast_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> BroadcastOut:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        found = session.get(Broadcast, broadcast_id)
        if found is None or found.account_id != user.account_id:
            raise NotFound(f"there is no broadcast {broadcast_id}", broadcast_id=broadcast_id)
        return BroadcastOut.model_validate(found)


# Opt-outs -----------------------------------------------------------------------------------


@router.get(
    "/opt-outs",
    tags=["contacts"],
    summary="Numbers that opted out",
    response_model=list[OptOutOut],
    responses={200: ok([OPT_OUT_EX]), **problem_responses()},
)
def get_opt_outs(request: Request, token: Token) -> list[OptOutOut]:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        found = optouts.list_opt_outs(session, account_id=user.account_id)
        return [OptOutOut.model_validate(o) for o in found]


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
    request: Request,
    token: Token,
    body: Annotated[OptOutIn, examples(number={"phone": "+447400123456"})],
) -> Response:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        e164 = optouts.add_opt_out(session, actor=user, number=body.phone, now=utcnow())
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
def delete_opt_out(
    request: Request,
    token: Token,
    phone: Annotated[str, Path(max_length=40)],
) -> Response:
    with transaction(sessions(request)) as session:
        user = authenticated(request, session, token)
        removed = optouts.remove_opt_out(session, actor=user, number=phone)
    return json_response(OptOutIn(phone=removed), 200)
