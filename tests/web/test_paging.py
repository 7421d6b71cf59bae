"""Messages and Contacts page with a cursor ("Older messages", "More contacts") and show the
total."""

from __future__ import annotations

import re

import httpx

from smsaddon.accounts import user_by_email
from smsaddon.db import transaction, utcnow
from smsaddon.sms import contacts, messages
from tests.fixtures.live import LiveServer, sign_in_http

OWNER = "owner@demo.test"
ROW = re.compile(r'<tr data-status="[a-z]+"><td data-label="#">(\d+)</td>')


def test_messages_page_through_the_history_with_the_total(
    client: httpx.Client, demo: LiveServer
) -> None:
    demo.buy(OWNER)
    demo.buy(OWNER, bundle_credits=1000)
    numbers = [f"+4474001{n:05d}" for n in range(101)]
    account_id = demo.user(OWNER).account_id
    csv = "phone\n" + "\n".join(numbers)
    contacts.import_csv(
        demo.sessions, account_id=account_id, data=csv, now=utcnow(), list_name="All"
    )
    with transaction(demo.sessions) as session:
        owner = user_by_email(session, OWNER)
        messages.send_broadcast(
            session, actor=owner, list_name="All", body="Hi", catalog=demo.catalog, now=utcnow()
        )
    sign_in_http(client, OWNER)

    first = client.get("/messages").text
    ids = [int(found) for found in ROW.findall(first)]
    assert len(ids) == 100 and ids == sorted(ids, reverse=True)
    assert "100 shown of 101 messages" in first
    older = re.search(r'id="older" href="([^"]+)"', first)
    assert older is not None
    assert older.group(1) == f"/messages?status=&amp;before={ids[-1]}"

    second = client.get(f"/messages?before={ids[-1]}").text
    assert [int(found) for found in ROW.findall(second)] == [ids[-1] - 1]
    assert "1 shown of 101 messages" in second
    assert 'id="older"' not in second

    assert client.get("/messages?before=0").status_code == 422


CONTACT = re.compile(r"<tr><td>(\+\d+)</td>")


def test_contacts_page_through_a_list_with_the_total(
    client: httpx.Client, demo: LiveServer
) -> None:
    numbers = [f"+4474001{n:05d}" for n in range(101)]
    account_id = demo.user(OWNER).account_id
    csv = "phone\n" + "\n".join(numbers)
    contacts.import_csv(
        demo.sessions, account_id=account_id, data=csv, now=utcnow(), list_name="A&B"
    )
    sign_in_http(client, OWNER)

    first = client.get("/contacts", params={"list": "A&B"}).text
    assert CONTACT.findall(first) == numbers[:100]
    assert "100 shown of 101 contacts" in first
    more = re.search(r'id="more-contacts" href="([^"]+)"', first)
    assert more is not None and more.group(1).startswith("/contacts?list=A%26B&amp;after=")

    second = client.get(more.group(1).replace("&amp;", "&")).text
    assert CONTACT.findall(second) == numbers[100:]
    assert "1 shown of 101 contacts" in second
    assert 'id="more-contacts"' not in second
