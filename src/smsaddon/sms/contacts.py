"""Contacts and lists. A number is normalized once, when it is stored: E.164, its region and
its time zones (for quiet hours). Consent is recorded with its time and source."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import sql
from smsaddon.db import transaction
from smsaddon.errors import Conflict, NotFound, ValidationFailed
from smsaddon.phones import PhoneNumber, Rejected, normalize, normalize_many
from smsaddon.sms.models import Contact, ContactList, ContactListMember
from smsaddon.sms.quiet_hours import time_zones_for
from smsaddon.text import checked

NUMBER_COLUMNS = ("phone", "number", "mobile")
MAX_NAME = 200
MAX_ROWS = 100_000  # per import, by default (SMSADDON_IMPORT_MAX_ROWS)
MAX_ERRORS = 100  # rows reported one by one; the rest are counted by kind
CHUNK = 1_000  # rows written per transaction: other writers wait for one chunk at most


@dataclass(frozen=True)
class RowError:
    line: int
    given: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    imported: int  # rows stored (new or updated)
    errors: tuple[RowError, ...]  # the first MAX_ERRORS bad rows
    list_name: str | None
    error_count: int = 0  # every bad row
    errors_by_kind: dict[str, int] = field(default_factory=dict)  # "number", "name"


def create_contact(
    session: Session,
    *,
    account_id: int,
    number: str,
    name: str = "",
    consent_source: str | None = None,
    now: datetime,
    default_region: str | None = None,
) -> Contact:
    phone = normalize(number, default_region=default_region)
    existing = session.scalar(
        select(Contact).where(Contact.account_id == account_id, Contact.e164 == phone.e164)
    )
    if existing is not None:
        raise Conflict(f"{phone.e164} is a contact already", contact_id=existing.id)
    contact = Contact(
        account_id=account_id,
        e164=phone.e164,
        region=phone.region,
        time_zones=time_zones_for(phone.e164),
        name=_name(name),
        consent_at=now if consent_source else None,
        consent_source=consent_source,
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    return contact


def update_contact(
    session: Session,
    *,
    account_id: int,
    contact_id: int,
    now: datetime,
    name: str | None = None,
    consent_source: str | None = None,
) -> Contact:
    contact = get_contact(session, account_id=account_id, contact_id=contact_id)
    if name is not None:
        contact.name = _name(name)
    if consent_source is not None:
        contact.consent_source, contact.consent_at = consent_source, now
    contact.updated_at = now
    session.flush()
    return contact


def get_contact(session: Session, *, account_id: int, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or contact.account_id != account_id:
        raise NotFound(f"there is no contact {contact_id}", contact_id=contact_id)
    return contact


def list_contacts(
    session: Session,
    *,
    account_id: int,
    list_name: str | None = None,
    limit: int = 100,
    offset: int = 0,
    after_id: int | None = None,
) -> list[Contact]:
    """Oldest first; `after_id` continues a previous page (cursor pagination)."""
    query = _contacts(session, account_id, list_name)
    if after_id is not None:
        query = query.where(Contact.id > after_id)
    return list(session.scalars(query.order_by(Contact.id).limit(limit).offset(offset)))


def count_contacts(session: Session, *, account_id: int, list_name: str | None = None) -> int:
    """How many contacts `list_contacts` pages through."""
    query = _contacts(session, account_id, list_name).with_only_columns(func.count())
    return int(session.scalar(query) or 0)


def _contacts(session: Session, account_id: int, list_name: str | None) -> Select[Contact]:
    query = select(Contact).where(Contact.account_id == account_id)
    if list_name is not None:
        found = get_list(session, account_id=account_id, name=list_name)
        query = query.join(ContactListMember, ContactListMember.contact_id == Contact.id).where(
            ContactListMember.list_id == found.id
        )
    return query


def get_list(session: Session, *, account_id: int, name: str) -> ContactList:
    found = session.scalar(
        select(ContactList).where(
            ContactList.account_id == account_id, func.lower(ContactList.name) == name.lower()
        )
    )
    if found is None:
        raise NotFound(f"there is no contact list named {name!r}", list=name)
    return found


def lists(session: Session, *, account_id: int) -> list[tuple[ContactList, int]]:
    """The account's lists, each with its number of contacts."""
    query = (
        select(ContactList, func.count(ContactListMember.contact_id))
        .outerjoin(ContactListMember, ContactListMember.list_id == ContactList.id)
        .where(ContactList.account_id == account_id)
        .group_by(ContactList.id)
        .order_by(ContactList.name)
    )
    return [(row[0], int(row[1])) for row in session.execute(query)]


def ensure_list(session: Session, *, account_id: int, name: str, now: datetime) -> ContactList:
    name = checked(name, field="list")
    if not name or len(name) > 100:
        raise ValidationFailed("a list needs a name of 1 to 100 characters", field="list")
    try:
        return get_list(session, account_id=account_id, name=name)
    except NotFound:
        found = ContactList(account_id=account_id, name=name, created_at=now)
        session.add(found)
        session.flush()
        return found


def add_to_list(
    session: Session,
    *,
    account_id: int,
    list_name: str,
    contact_ids: Sequence[int],
    now: datetime,
) -> ContactList:
    found = ensure_list(session, account_id=account_id, name=list_name, now=now)
    conn = sql.connection(session)
    for start in range(0, len(contact_ids), sql.PAGE):
        page = contact_ids[start : start + sql.PAGE]
        sql.insert_many(
            conn,
            "contact_list_members",
            ("list_id", "contact_id"),
            [(found.id, contact_id) for contact_id in page],
            suffix="ON CONFLICT DO NOTHING",
        )
    return found


def import_csv(
    sessions: sessionmaker[Session],
    *,
    account_id: int,
    data: str,
    now: datetime,
    list_name: str | None = None,
    consent_source: str = "import",
    default_region: str | None = None,
    max_rows: int = MAX_ROWS,
) -> ImportReport:
    """Import contacts from CSV text with a header naming a `phone` (or `number`, `mobile`)
    column and optionally `name` (a UTF-8 BOM before it is fine). Good rows are stored (an
    existing number gets the new name); bad rows are reported, the first MAX_ERRORS with
    their line and reason, all of them counted by kind.

    The whole file is read and checked first: a file without a phone column, with more than
    `max_rows` rows or with a field too large for CSV is refused (ValidationFailed, field
    "csv") with nothing written. The good rows are then written CHUNK at a time, each chunk
    in its own transaction, so a big import never holds the database for long; it is safe to
    run again (a number is stored once per account)."""
    rows, column = _read(data, max_rows)
    numbers = normalize_many(
        [(row.get(column) or "") for _, row in rows], default_region=default_region
    )
    errors: list[RowError] = []
    kinds: dict[str, int] = {}
    good: dict[str, tuple[PhoneNumber, str]] = {}
    for (line, row), phone in zip(rows, numbers, strict=True):
        name = row.get("name") or ""
        try:
            if isinstance(phone, Rejected):
                kinds["number"] = kinds.get("number", 0) + 1
                if len(errors) < MAX_ERRORS:
                    errors.append(RowError(line, phone.given[:100], phone.reason))
                continue
            good[phone.e164] = (phone, _name(name))
        except ValidationFailed as refused:
            kinds["name"] = kinds.get("name", 0) + 1
            if len(errors) < MAX_ERRORS:
                errors.append(RowError(line, name[:100], refused.message))
    ids: list[int] = []
    found = None
    if list_name:
        with transaction(sessions) as session:
            found = ensure_list(session, account_id=account_id, name=list_name, now=now)
    todo = list(good.values())
    for start in range(0, len(todo), CHUNK):
        with transaction(sessions) as session:
            chunk = _upsert(session, account_id, todo[start : start + CHUNK], consent_source, now)
            if found is not None:
                add_to_list(
                    session, account_id=account_id, list_name=found.name, contact_ids=chunk, now=now
                )
        ids.extend(chunk)
    return ImportReport(
        imported=len(ids),
        errors=tuple(errors),
        list_name=found.name if found is not None else list_name,
        error_count=sum(kinds.values()),
        errors_by_kind=kinds,
    )


def _read(data: str, max_rows: int) -> tuple[list[tuple[int, dict[str, str]]], str]:
    """The rows (with their line) and the phone column; ValidationFailed naming the problem."""
    reader = csv.DictReader(io.StringIO(data.removeprefix("\ufeff")))
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
        column = next((c for c in NUMBER_COLUMNS if c in header), None)
        if column is None:
            raise ValidationFailed(
                "the CSV needs a header row with a phone column (phone, number or mobile)",
                field="csv",
                header=header[:20],
            )
        reader.fieldnames = header
        rows: list[tuple[int, dict[str, str]]] = []
        for row in reader:
            if len(rows) == max_rows:
                raise ValidationFailed(
                    f"the CSV has more than {max_rows:,} rows: split it into several imports",
                    field="csv",
                    max_rows=max_rows,
                )
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ValidationFailed(
            f"line {reader.line_num + 1} of the CSV cannot be read: {exc}", field="csv"
        ) from None
    return rows, column


def _upsert(
    session: Session,
    account_id: int,
    phones: list[tuple[PhoneNumber, str]],
    consent_source: str,
    now: datetime,
) -> list[int]:
    conn = sql.connection(session)
    columns = (
        "account_id",
        "e164",
        "region",
        "time_zones",
        "name",
        "consent_at",
        "consent_source",
        "created_at",
        "updated_at",
    )
    values = [
        (account_id, p.e164, p.region, time_zones_for(p.e164), name, now, consent_source, now, now)
        for p, name in phones
    ]
    rows = sql.insert_many(
        conn,
        "contacts",
        columns,
        values,
        suffix="ON CONFLICT (account_id, e164) DO UPDATE SET name = excluded.name, "
        "updated_at = excluded.updated_at RETURNING id",
    )
    return [row[0] for row in rows]


def _name(name: str) -> str:
    return checked(name, field="name", max_length=MAX_NAME)
