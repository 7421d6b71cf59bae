"""Garbage is not stored: names and texts with control characters are refused with the field
named and nothing written (a message of just NUL is never charged); list names with #&% work;
contact imports are capped, report their first 100 errors, accept a BOM and refuse a giant
field with a 422 (M4 and the Lows)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from smsaddon.accounts import create_account
from smsaddon.accounts.tokens import create_token
from smsaddon.db import transaction
from smsaddon.errors import ValidationFailed
from smsaddon.sms import contacts, messages
from tests.sending.world import GB, IE, NOW, Sending
from tests.snapshots import snapshot


def refused(db: sessionmaker[Session], field: str, change: Callable[[Session], object]) -> str:
    """Run `change(session)`: it must be refused naming `field`, with nothing written."""
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as caught, transaction(db) as s:
        change(s)
    assert caught.value.details.get("field") == field
    assert snapshot(db) == before
    return caught.value.message


@pytest.mark.parametrize("body", ["\x00", "Hello\x00", "bell\x07", "\x1b[31mred"])
def test_a_text_with_a_control_character_is_refused_and_never_charged(
    world: Sending, body: str
) -> None:
    world.add_list("Friends", [GB, IE])
    balance = world.balance()

    def send(s: Session) -> object:
        return messages.send_message(
            s, actor=world.user(s), to=GB, body=body, catalog=world.catalog, now=world.clock()
        )

    def broadcast(s: Session) -> object:
        return messages.send_broadcast(
            s,
            actor=world.user(s),
            list_name="Friends",
            body=body,
            catalog=world.catalog,
            now=world.clock(),
        )

    for change in (send, broadcast):
        message = refused(world.sessions, "text", change)
        assert "The text has a character that cannot be stored" in message
    assert world.balance() == balance


def test_a_text_keeps_its_line_breaks(world: Sending) -> None:
    assert (
        world.send(GB, "Doors open at 9\r\nSee you\tthere").body
        == "Doors open at 9\nSee you\tthere"
    )


@pytest.mark.parametrize(
    ("field", "change"),
    [
        (
            "name",
            lambda s, u: create_account(
                s,
                name="Acme\x00",
                owner_email="a@acme.test",
                owner_name="A",
                password="x" * 9,
                now=NOW,
            ),
        ),
        (
            "email",
            lambda s, u: create_account(
                s,
                name="Acme",
                owner_email="a\x00@acme.test",
                owner_name="A",
                password="x" * 9,
                now=NOW,
            ),
        ),
        ("name", lambda s, u: create_token(s, user=u, name="CRM\x1b[31m", now=NOW)),
        (
            "list",
            lambda s, u: contacts.ensure_list(
                s, account_id=u.account_id, name="Spring\r\nsale", now=NOW
            ),
        ),
        (
            "name",
            lambda s, u: contacts.create_contact(
                s, account_id=u.account_id, number=GB, name="Ada\x00", now=NOW
            ),
        ),
    ],
    ids=["account name", "email", "token name", "list name", "contact name"],
)
def test_names_with_control_characters_are_refused_with_nothing_written(
    world: Sending, field: str, change: Callable[..., object]
) -> None:
    message = refused(world.sessions, field, lambda s: change(s, world.user(s)))
    assert "cannot be stored" in message


def test_a_list_name_with_hash_ampersand_and_percent_works(world: Sending) -> None:
    world.add_list("Spring #1 & 50% off", [GB])
    with transaction(world.sessions) as s:
        found = contacts.get_list(s, account_id=world.account_id(), name="spring #1 & 50% off")
        assert found.name == "Spring #1 & 50% off"


def _import(world: Sending, data: str, **kwargs: object) -> contacts.ImportReport:
    return contacts.import_csv(
        world.sessions,
        account_id=world.account_id(),
        data=data,
        now=NOW,
        **kwargs,  # type: ignore[arg-type]
    )


def test_an_import_may_start_with_a_bom(world: Sending) -> None:
    report = _import(world, "\ufeffphone,name\n+447400123456,Ada\n", list_name="BOM")
    assert (report.imported, report.errors, report.list_name) == (1, (), "BOM")


def test_an_import_reports_its_first_100_errors_and_counts_them_all(world: Sending) -> None:
    # Given 1,000 bad numbers, 3 bad names and 2 good rows, when imported,
    # then the 2 are stored, 100 errors are listed and every bad row is counted by kind.
    rows = [f"12{i},x" for i in range(1000)] + [
        f"{GB},Ada\x00",
        f"{IE},\x07",
        "+447400123457,Z\x1b",
    ]
    rows += ["+447400123458,Bo", "+447400123459,Cy"]
    report = _import(world, "phone,name\n" + "\n".join(rows) + "\n")
    assert report.imported == 2
    assert len(report.errors) == 100
    assert (report.errors[0].line, report.errors[0].given) == (2, "120")
    assert report.error_count == 1003
    assert report.errors_by_kind == {"number": 1000, "name": 3}


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ("phone\n" + "+447400123456\n" * 11, "the CSV has more than 10 rows"),
        ("phone,name\n+447400123456," + "x" * 131_073 + "\n", "line 2 of the CSV cannot be read"),
        ("name\nAda\n", "the CSV needs a header row with a phone column"),
    ],
    ids=["too many rows", "a field over 131,072 characters", "no phone column"],
)
def test_a_bad_file_is_refused_whole_with_nothing_written(
    world: Sending, data: str, said: str
) -> None:
    before = snapshot(world.sessions)
    with pytest.raises(ValidationFailed, match=said) as caught:
        _import(world, data, list_name="Never", max_rows=10)
    assert caught.value.details["field"] == "csv"
    assert snapshot(world.sessions) == before


def test_a_big_import_writes_in_short_transactions(world: Sending) -> None:
    # Given 5,000 rows, when imported, then they are written in chunks of 1,000 rows, each its
    # own transaction: another account's write waits for one chunk at most.
    numbers = [f"+4474{n:08d}" for n in range(5000)]
    commits: list[int] = []
    engine, account_id = world.sessions.kw["bind"], world.account_id()

    def committed(_connection: object) -> None:
        commits.append(1)

    event.listen(engine, "commit", committed)
    try:
        report = contacts.import_csv(
            world.sessions,
            account_id=account_id,
            data="phone\n" + "\n".join(numbers) + "\n",
            now=NOW,
            list_name="Big",
        )
    finally:
        event.remove(engine, "commit", committed)
    assert report.imported == 5000
    assert len(commits) == 1 + 5  # the list, then five chunks
