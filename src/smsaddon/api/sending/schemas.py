"""The request and response bodies of the sending API, with their documented examples."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from smsaddon.api.common import In, Out

SendAt = Annotated[
    datetime | None,
    Field(
        strict=False,
        description="When to send, ISO 8601 with its offset (2026-11-11T09:00:00Z), within a "
        "year; later than now: it waits until then.",
    ),
]
StatusName = Literal[
    "queued", "sending", "sent", "delivered", "undelivered", "failed", "blocked", "canceled"
]


class ContactIn(In):
    phone: str = Field(max_length=40, description="With + and the country code.")
    name: str = Field("", max_length=200)
    consent_source: str | None = Field(
        None, max_length=200, description="How the contact agreed (a form, a keyword, ...)."
    )
    list: str | None = Field(None, max_length=100, description="Add the contact to this list.")


class ContactPatch(In):
    name: str | None = Field(None, max_length=200)
    consent_source: str | None = Field(None, max_length=200)


class ContactOut(Out):
    id: int
    phone: str = Field(validation_alias="e164")
    region: str
    name: str
    consent_at: datetime | None
    consent_source: str | None
    created_at: datetime


class ImportIn(In):
    csv: str = Field(max_length=5_000_000, description="CSV text with a `phone` column.")
    list: str = Field(min_length=1, max_length=100)
    default_region: str | None = Field(None, max_length=2)


class RowErrorOut(Out):
    line: int
    given: str
    reason: str


class ImportOut(Out):
    imported: int
    list_name: str | None
    errors: list[RowErrorOut] = Field(description="The first 100 bad rows.")
    error_count: int = Field(description="Every bad row.")
    errors_by_kind: dict[str, int] = Field(description='Bad rows by kind: "number", "name".')


class MessageIn(In):
    to: str = Field(max_length=40, description="With + and the country code.")
    text: str = Field(max_length=2000)
    send_at: SendAt = None


class MessageOut(Out):
    id: int
    to: str = Field(validation_alias="to_e164")
    country: str = Field(validation_alias="region")
    kind: Literal["message", "reply"]
    status: StatusName
    reason: str | None = Field(description="Why it failed or was blocked.")
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    credits: int
    broadcast_id: int | None
    catalog_version: str
    created_at: datetime
    due_at: datetime = Field(description="When it may go (quiet hours and send_at counted).")
    sent_at: datetime | None
    finished_at: datetime | None


class BroadcastIn(In):
    list: str = Field(min_length=1, max_length=100)
    text: str = Field(max_length=2000)
    send_at: SendAt = None


class BroadcastOut(Out):
    id: int
    list_id: int
    encoding: str
    segments: int
    queued: int
    blocked: int
    credits: int = Field(description="Held now; captured as the messages are sent.")
    catalog_version: str
    send_at: datetime
    created_at: datetime


class OptOutIn(In):
    phone: str = Field(max_length=40)


class OptOutOut(Out):
    phone: str = Field(validation_alias="e164")
    source: str
    keyword: str | None
    created_at: datetime
