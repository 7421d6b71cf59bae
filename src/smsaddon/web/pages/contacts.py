"""The Contacts page: the contacts (all, or one list's), adding one, importing a CSV file, and
the opt-out list. A refused form shows the page again with everything typed and the refusal
beside its field."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from smsaddon.db import MAX_ID
from smsaddon.errors import DomainError
from smsaddon.formatting import count
from smsaddon.http.unit import PageRead, PageUnit, PageWrite
from smsaddon.sms import contacts, optouts
from smsaddon.web.pages.forms import field_of, form_status

router = APIRouter()
PAGE = 100

# The page's forms and their fields.
FORMS = {
    "add": ("phone", "name", "list", "consent_source"),
    "import": ("csv", "list"),
    "opt_out": ("phone",),
}


@router.get("/contacts", response_class=HTMLResponse)
def contacts_page(
    unit: PageRead,
    list_name: Annotated[str, Query(alias="list", max_length=100)] = "",
    after: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    return _page(unit, list_name=list_name, after=after)


@router.post("/contacts")
def add_contact(
    unit: PageWrite,
    phone: Annotated[str, Form(max_length=40)],
    name: Annotated[str, Form(max_length=200)] = "",
    list_name: Annotated[str, Form(alias="list", max_length=100)] = "",
    consent_source: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    account_id = unit.user.account_id
    try:
        with unit.session.begin_nested():
            contact = contacts.create_contact(
                unit.session,
                account_id=account_id,
                number=phone,
                name=name,
                consent_source=consent_source or None,
                now=unit.now,
            )
            if list_name:
                contacts.add_to_list(
                    unit.session,
                    account_id=account_id,
                    list_name=list_name,
                    contact_ids=[contact.id],
                    now=unit.now,
                )
    except DomainError as error:
        typed = {"phone": phone, "name": name, "list": list_name, "consent_source": consent_source}
        return _refused(unit, "add", typed, error)
    unit.flash(f"Added {contact.e164}.")
    return unit.redirect("/contacts")


@router.post("/contacts/import")
def import_contacts(
    unit: PageRead,  # the import writes its chunks in transactions of their own
    csv_text: Annotated[str, Form(alias="csv", max_length=5_000_000)],
    list_name: Annotated[str, Form(alias="list", min_length=1, max_length=100)],
) -> Response:
    try:
        report = contacts.import_csv(
            unit.services.sessions,
            account_id=unit.user.account_id,
            data=csv_text,
            now=unit.now,
            list_name=list_name,
            max_rows=unit.services.settings.import_max_rows,
        )
    except DomainError as error:
        return _refused(unit, "import", {"csv": csv_text, "list": list_name}, error)
    problems = "; ".join(f"line {e.line}: {e.reason}" for e in report.errors[:5])
    text = f"Imported {count(report.imported, 'contact')} into {list_name}."
    if report.errors:
        text += f" Not imported: {count(report.error_count, 'row')}: {problems}."
    unit.flash(text, "error" if report.errors else "ok")
    return unit.redirect("/contacts?" + urlencode({"list": list_name}))


@router.post("/opt-outs")
def change_opt_out(
    unit: PageWrite,
    phone: Annotated[str, Form(max_length=40)],
    action: Annotated[str, Form(pattern="^(add|remove)$")],
) -> Response:
    try:
        with unit.session.begin_nested():
            if action == "add":
                e164 = optouts.add_opt_out(
                    unit.session, actor=unit.user, number=phone, now=unit.now
                )
            else:
                e164 = optouts.remove_opt_out(unit.session, actor=unit.user, number=phone)
    except DomainError as error:
        return _refused(unit, "opt_out", {"phone": phone}, error)
    unit.flash(f"{e164} {'added to' if action == 'add' else 'removed from'} the opt-out list.")
    return unit.redirect("/contacts")


def _refused(unit: PageUnit, form: str, typed: dict[str, str], error: DomainError) -> Response:
    """The page again, with what was typed into `form` and the refusal beside its field."""
    field = field_of(error, FORMS[form][0])
    field = field if field in FORMS[form] else FORMS[form][0]
    return _page(
        unit,
        typed={form: typed},
        errors={form: {field: error.message}},
        status_code=form_status(error),
    )


def _page(
    unit: PageUnit,
    *,
    list_name: str = "",
    after: int | None = None,
    typed: dict[str, dict[str, str]] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    session, account_id = unit.session, unit.user.account_id
    try:
        found = contacts.list_contacts(
            session,
            account_id=account_id,
            list_name=list_name or None,
            after_id=after,
            limit=PAGE + 1,
        )
        total = contacts.count_contacts(session, account_id=account_id, list_name=list_name or None)
    except DomainError:  # a list that is not there (any more): all contacts
        return _page(unit, typed=typed, errors=errors, status_code=status_code)
    typed = typed or {}
    context = {
        "contacts": found[:PAGE],
        "more": found[PAGE - 1].id if len(found) > PAGE else None,
        "total": total,
        "lists": contacts.lists(session, account_id=account_id),
        "list_name": list_name,
        "opt_outs": optouts.list_opt_outs(session, account_id=account_id),
        "add": typed.get("add", {"list": list_name}),
        "imported": typed.get("import", {"csv": "phone,name\n", "list": list_name or "customers"}),
        "opt_out": typed.get("opt_out", {}),
        "errors": errors or {},
    }
    return unit.render("contacts.html", context, status_code=status_code)
