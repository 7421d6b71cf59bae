"""Every form: a success redirects (reloading never repeats it), a refusal answers 422 with the
page again, everything typed kept and the field it is about named, and nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from smsaddon.accounts import ApiToken, find_account, set_time_zone, user_by_email
from smsaddon.db import transaction, utcnow
from smsaddon.sms.models import Message
from tests.fixtures.live import LiveServer, csrf_token, sign_in_http
from tests.fixtures.snapshots import snapshot
from tests.web.browser import Shot, SignIn

OWNER = "owner@demo.test"


def tokens_of(server: LiveServer, email: str) -> int:
    with transaction(server.sessions) as session:
        user = user_by_email(session, email)
        query = select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)
        return int(session.scalar(query) or 0)


# In Chromium ----------------------------------------------------------------------------------


@pytest.mark.browser
def test_reloading_the_page_after_creating_a_token_creates_no_second_one(
    demo: LiveServer, page: Page, sign_in: SignIn, shot: Shot
) -> None:
    sign_in(page, demo, "member@demo.test")
    page.goto(f"{demo.url}/settings/tokens")
    page.get_by_label("Name").fill("CRM sync")
    with page.expect_navigation() as landed:
        page.get_by_role("button", name="Create token").click()
    assert landed.value is not None and landed.value.request.method == "GET"
    assert page.url == f"{demo.url}/settings/tokens"
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("sms_")
    shot(page, "created")

    page.reload()
    expect(page.locator("#tokens tbody tr")).to_have_count(1)
    expect(page.locator("#new-token")).to_have_count(0)  # shown once: not again on reload
    assert secret not in page.content()
    assert tokens_of(demo, "member@demo.test") == 1
    shot(page, "reloaded")


@pytest.mark.browser
def test_a_bundle_that_is_not_offered_is_a_422_naming_the_field(
    demo: LiveServer, page: Page, sign_in: SignIn, shot: Shot
) -> None:
    demo.buy(OWNER)
    sign_in(page, demo, OWNER)
    page.goto(f"{demo.url}/billing")
    page.locator("#sms-credits").get_by_role("button", name="Edit").click()
    edit = page.get_by_role("dialog", name="Edit SMS credits")
    # A hand-edited page (or a stale one) posts an amount the list does not offer.
    page.evaluate(
        "const s = document.querySelector('#bundle-select');s.add(new Option('7 credits', '7'));"
    )
    edit.get_by_label("Additional monthly credits").select_option("7")
    before = snapshot(demo.sessions)
    with page.expect_response(f"{demo.url}/billing/quotes/bundle") as answer:
        edit.get_by_role("button", name="Continue").click()
    assert answer.value.status == 422
    expect(page.get_by_role("alert")).to_have_text(
        "Additional monthly credits: 7 is not offered; choose none, 500, 1,000, 2,500, 5,000, "
        "10,000, or 25,000."
    )
    shot(page, "bundle-refused")
    assert snapshot(demo.sessions) == before


# Over HTTP ------------------------------------------------------------------------------------


def test_a_contact_refused_keeps_what_was_typed_and_names_the_phone(
    client: httpx.Client, demo: LiveServer
) -> None:
    sign_in_http(client, OWNER)
    token = csrf_token(client, "/contacts")
    before = snapshot(demo.sessions)
    typed = {"phone": "12", "name": "Ann Example", "list": "Club", "consent_source": "shop"}
    response = client.post("/contacts", data={**typed, "csrf_token": token})
    assert response.status_code == 422
    page = response.text
    assert 'id="contact-phone" name="phone" value="12" maxlength="40" required' in page
    assert 'aria-invalid="true" aria-describedby="contact-phone-error"' in page
    assert 'id="contact-phone-error" role="alert">' in page
    for name, value in (("name", "Ann Example"), ("list", "Club"), ("consent", "shop")):
        assert f'id="contact-{name}" name="' in page and f'value="{value}"' in page
    assert snapshot(demo.sessions) == before

    done = client.post("/contacts", data={**typed, "phone": "+447400123456", "csrf_token": token})
    assert (done.status_code, done.headers["location"]) == (303, "/contacts")


def test_an_opt_out_refused_keeps_the_phone_and_is_never_a_404(
    client: httpx.Client, demo: LiveServer
) -> None:
    sign_in_http(client, OWNER)
    token = csrf_token(client, "/contacts")
    before = snapshot(demo.sessions)
    for action, phone in (("add", "not a number"), ("remove", "+447400123456")):
        form = {"phone": phone, "action": action, "csrf_token": token}
        response = client.post("/opt-outs", data=form)
        assert response.status_code == 422, action
        assert f'id="optout-phone" name="phone" value="{phone}"' in response.text
        assert 'id="optout-phone-error" role="alert">' in response.text
    assert snapshot(demo.sessions) == before


def test_an_import_refused_keeps_the_csv_and_the_list(
    client: httpx.Client, demo: LiveServer
) -> None:
    sign_in_http(client, OWNER)
    token = csrf_token(client, "/contacts")
    before = snapshot(demo.sessions)
    form = {"csv": "mobile phone,name\n+447400123456,Ann\n", "list": "Club", "csrf_token": token}
    response = client.post("/contacts/import", data=form)
    assert response.status_code == 422
    assert ">mobile phone,name\n+447400123456,Ann\n</textarea>" in response.text
    assert 'id="import-csv-error" role="alert">the CSV needs a header row' in response.text
    assert 'id="import-list" name="list" value="Club"' in response.text
    assert snapshot(demo.sessions) == before


def test_a_list_name_with_reserved_characters_comes_back_whole(
    client: httpx.Client, demo: LiveServer
) -> None:
    sign_in_http(client, OWNER)
    form = {
        "csv": "phone\n+447400123456\n",
        "list": "A#1 & 50%",
        "csrf_token": csrf_token(client, "/contacts"),
    }
    response = client.post("/contacts/import", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/contacts?list=A%231+%26+50%25"
    shown = client.get(response.headers["location"])
    assert '<h2 id="contacts-title">List A#1 &amp; 50%</h2>' in shown.text
    assert "+447400123456" in shown.text


def test_compose_refused_keeps_everything_and_names_the_field(
    client: httpx.Client, demo: LiveServer
) -> None:
    demo.buy(OWNER)
    sign_in_http(client, OWNER)
    token = csrf_token(client, "/compose")
    before = snapshot(demo.sessions)
    cases = [
        ({"to": "+447400123456", "send_at": "9999-12-31T00:00"}, "send_at", "at most a year"),
        ({"to": "+447400123456", "send_at": "tomorrow"}, "send_at", "is not a date and time"),
        ({"list": "No such list"}, "list", "there is no contact list named"),
        ({"to": "12"}, "to", ""),
    ]
    for typed, field, says in cases:
        form = {"text": "Doors open at 9 & not before", "csrf_token": token, **typed}
        response = client.post("/compose", data=form)
        assert response.status_code == 422, typed
        assert f'id="compose-{field}-error" role="alert">' in response.text, typed
        assert says in response.text
        assert ">Doors open at 9 &amp; not before</textarea>" in response.text
        if "send_at" in typed:
            assert f'value="{typed["send_at"]}" aria-invalid="true"' in response.text
    assert snapshot(demo.sessions) == before


def test_send_at_is_read_in_the_accounts_time_zone(client: httpx.Client, demo: LiveServer) -> None:
    demo.buy(OWNER)
    with transaction(demo.sessions) as session:
        owner = user_by_email(session, OWNER)
        set_time_zone(session, actor=owner, time_zone="America/New_York", now=utcnow())
    sign_in_http(client, OWNER)
    page = client.get("/compose").text
    assert "Send at (optional, America/New_York time)" in page
    # 09:00 in New York tomorrow: 13:00 or 14:00 UTC, the afternoon in London.
    local = datetime.combine(utcnow().date() + timedelta(days=2), datetime.min.time())
    local = local.replace(hour=9, tzinfo=ZoneInfo("America/New_York"))
    form = {
        "text": "See you at nine",
        "to": "+447400123456",
        "send_at": local.strftime("%Y-%m-%dT%H:%M"),
        "csrf_token": csrf_token(client, "/compose"),
    }
    response = client.post("/compose", data=form)
    assert (response.status_code, response.headers["location"]) == (303, "/messages")
    with transaction(demo.sessions) as session:
        account_id = find_account(session, "Demo Co").id
        message = session.scalars(select(Message).where(Message.account_id == account_id)).one()
        assert message.due_at == local.astimezone(UTC)


def test_the_preview_of_an_unknown_list_is_a_422(client: httpx.Client, demo: LiveServer) -> None:
    sign_in_http(client, OWNER)
    headers = {"X-CSRF-Token": csrf_token(client, "/compose")}
    body = {"text": "Hello", "list": "No such list"}
    response = client.post("/compose/preview", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json() == {
        "error": "there is no contact list named 'No such list'",
        "field": "list",
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [("to=9999-12-31", "to"), ("from=0001-01-01", "from"), ("to=2026-02-30", "to")],
)
def test_an_audit_day_out_of_range_is_a_422_naming_it(
    client: httpx.Client, demo: LiveServer, query: str, field: str
) -> None:
    with transaction(demo.sessions) as session:
        owner = user_by_email(session, OWNER)
        set_time_zone(session, actor=owner, time_zone="Asia/Tokyo", now=utcnow())
    sign_in_http(client, OWNER)
    response = client.get(f"/audit?{query}")
    assert response.status_code == 422
    assert f'id="filter-{field}-error" role="alert">' in response.text
    assert f"&#39;{query.split('=')[1]}&#39; is not a day this log can show" in response.text
    assert 'id="audit-entries"' not in response.text
