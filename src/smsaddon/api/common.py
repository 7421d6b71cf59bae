"""What every API area shares, written once: the body bases, `ok()` for a documented success,
`body_examples()`, the one list type `Page[T]` with its one opaque cursor, and `idempotent()`.

An area is `api/<area>/{routes,schemas,examples}.py`: copy one to start another.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Body, Query, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from smsaddon.api.idempotency import earlier_response, fingerprint, respond_once
from smsaddon.db import MAX_ID
from smsaddon.errors import ValidationFailed
from smsaddon.http.unit import ApiUnit


class In(BaseModel):
    """A request body: unknown fields and loose types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    """A response body, read from the service's objects."""

    model_config = ConfigDict(from_attributes=True)


def ok(example: Any, description: str = "Success.") -> dict[str, Any]:
    """A documented success with its example: a response model (valid by construction), a
    list of them, or the plain JSON."""
    value = jsonable_encoder(example)
    return {"description": description, "content": {"application/json": {"example": value}}}


def body_examples(**values: BaseModel | dict[str, Any]) -> Any:
    """A request body's named examples, for `Annotated[Model, body_examples(...)]`."""
    return Body(
        openapi_examples={
            name: {
                "summary": name.replace("_", " "),
                "value": value.model_dump(mode="json") if isinstance(value, BaseModel) else value,
            }
            for name, value in values.items()
        }
    )


# Lists -----------------------------------------------------------------------------------------

T = TypeVar("T")
CURSOR_PREFIX = "after:"


class Page(BaseModel, Generic[T]):
    """One page of a list, newest first unless the operation says otherwise."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor`, with the same filters, for the next page; null on the "
        "last page."
    )
    total: int = Field(description="How many items match the filters, over all pages.")


Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        description="The `next_cursor` of the previous page (opaque).",
    ),
]


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a page continues after; a cursor this API did not give is refused (422)."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value = text.removeprefix(CURSOR_PREFIX)
        if text.startswith(CURSOR_PREFIX) and value.isdigit() and 0 < int(value) <= MAX_ID:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationFailed(
        "This cursor is not one this API gave: start from the first page.", field="cursor"
    )


def page(rows: Sequence[Any], *, limit: int, total: int, view: Callable[[Any], T]) -> Page[T]:
    """A page from `limit + 1` rows fetched (the extra one says whether there is more)."""
    items = [view(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page[T](
        items=items, next_cursor=encode_cursor(rows[limit - 1].id) if more else None, total=total
    )


# Changes ---------------------------------------------------------------------------------------


def idempotent(
    unit: ApiUnit,
    key: str | None,
    produce: Callable[[], BaseModel],
    *,
    body: BaseModel | None = None,
    status: int = 200,
) -> Response:
    """Run `produce` (the change) once per Idempotency-Key: a retry of the same request by the
    same user answers the first response again; another request (or another user of the
    account) under the key is refused."""
    return respond_once(
        unit.session,
        account_id=unit.user.account_id,
        key=key,
        request_hash=_fingerprint(unit, body),
        now=unit.now,
        status=status,
        produce=produce,
    )


def replayed(unit: ApiUnit, key: str | None, *, body: BaseModel | None = None) -> Response | None:
    """What `idempotent` would answer without running anything, when this key has run already
    (a different request under it is refused); None when it has not."""
    return earlier_response(
        unit.session,
        account_id=unit.user.account_id,
        key=key,
        request_hash=_fingerprint(unit, body),
    )


def _fingerprint(unit: ApiUnit, body: BaseModel | None) -> str:
    request = unit.request
    return fingerprint(request.method, request.url.path, body, user_id=unit.user.id)
