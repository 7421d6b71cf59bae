"""Sign-in, sessions, CSRF and throttling, over HTTP against the live server (no browser)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from tests.fixtures.live import PASSWORD, LiveServer

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
WRONG = "The email or password is incorrect. Check both and try again."


@pytest.fixture
def client(demo: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo.url, follow_redirects=False, timeout=30) as http:
        yield http


def token(http: httpx.Client, path: str = "/signin") -> str:
    match = CSRF.search(http.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(http: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    data = {"email": email, "password": password, "csrf_token": token(http)}
    return http.post("/signin", data=data)


def test_the_session_cookie_is_httponly_samesite_lax_and_signed(client: httpx.Client) -> None:
    response = client.get("/signin")
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("smsaddon_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert sign_in(client, "owner@demo.test").status_code == 303
    assert client.get("/billing").status_code == 200
    # Changing one character of the signed cookie makes it nobody's session.
    value = client.cookies["smsaddon_session"]
    client.cookies.set("smsaddon_session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    response = client.get("/billing")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/billing"


def test_sign_in_without_or_with_a_wrong_csrf_token_is_refused(client: httpx.Client) -> None:
    token(client)
    form = {"email": "owner@demo.test", "password": PASSWORD}
    missing = client.post("/signin", data=form)
    wrong = client.post("/signin", data={**form, "csrf_token": "not-the-token"})
    for response in (missing, wrong):
        assert response.status_code == 403
        assert "security token" in response.text
    assert client.get("/billing").status_code == 303  # still signed out


def test_form_posts_without_the_csrf_token_change_nothing(
    client: httpx.Client, demo: LiveServer
) -> None:
    assert sign_in(client, "owner@demo.test").status_code == 303
    before = demo.facts("Demo Co")
    good = token(client, "/billing")
    assert client.post("/billing/quotes/addon", data={}).status_code == 403
    assert client.post("/billing/quotes/addon", data={"csrf_token": "x" + good}).status_code == 403
    assert client.post("/billing/quotes/bundle", data={"bundle_credits": "500"}).status_code == 403
    quote_id = demo.open_quote("owner@demo.test")
    assert client.post(f"/billing/quotes/{quote_id}/confirm").status_code == 403
    assert client.post("/signout", data={}).status_code == 403
    after = demo.facts("Demo Co")
    assert after.purchases == before.purchases == []
    assert after.quotes == before.quotes + 1  # only the one made through the services
    assert after == demo.facts("Demo Co")
    assert client.get("/billing").status_code == 200  # the refused sign-out left the session
    # The token in a header (as the page's script sends it) is accepted.
    response = client.post(
        "/billing/quotes/addon", headers={"X-CSRF-Token": good, "X-Requested-With": "fetch"}
    )
    assert response.status_code == 200
    assert "Review Purchase" in response.text


def test_a_wrong_email_or_a_wrong_password_get_the_same_answer(client: httpx.Client) -> None:
    wrong_password = sign_in(client, "owner@demo.test", "wrong-password")
    unknown_email = sign_in(client, "nobody@demo.test", PASSWORD)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 400
        assert WRONG in response.text
    assert wrong_password.text.replace("owner@demo.test", "EMAIL") == unknown_email.text.replace(
        "nobody@demo.test", "EMAIL"
    )


def test_five_failures_for_one_email_make_it_wait(client: httpx.Client) -> None:
    for _ in range(5):
        assert sign_in(client, "owner@demo.test", "wrong-password").status_code == 400
    refused = sign_in(client, "Owner@Demo.test", PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts. Wait 1 minute, then try again." in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 15
    assert client.get("/billing").status_code == 303
    # Another email from the same address is not held up.
    assert sign_in(client, "billing@demo.test").status_code == 303


def test_twenty_failures_from_one_address_make_it_wait(client: httpx.Client) -> None:
    for n in range(20):
        assert sign_in(client, f"guess{n}@demo.test", "wrong-password").status_code == 400
    refused = sign_in(client, "owner@demo.test", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in refused.text


def test_signing_in_and_out(client: httpx.Client) -> None:
    token(client)
    first = client.cookies.get("smsaddon_session")
    assert first
    response = sign_in(client, " OWNER@demo.test ")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert client.cookies["smsaddon_session"] != first
    home = client.get("/")
    assert "Welcome, Olivia Owner" in home.text
    response = client.post("/signout", data={"csrf_token": token(client, "/")})
    assert response.status_code == 303
    assert "You are signed out." in client.get(response.headers["location"]).text
    assert client.get("/billing").status_code == 303


def test_signing_out_ends_the_session_for_a_copied_cookie_too(
    client: httpx.Client, demo: LiveServer
) -> None:
    # Given a signed-in browser whose cookie was copied, when it signs out,
    # then the copy signs nobody in either.
    assert sign_in(client, "owner@demo.test").status_code == 303
    copied = client.cookies["smsaddon_session"]
    assert client.post("/signout", data={"csrf_token": token(client, "/")}).status_code == 303
    with httpx.Client(base_url=demo.url, follow_redirects=False, timeout=30) as thief:
        thief.cookies.set("smsaddon_session", copied)
        assert thief.get("/billing").headers["location"] == "/signin?next=/billing"


def test_the_cookie_names_no_user_and_posts_do_not_extend_the_session(
    client: httpx.Client, demo: LiveServer
) -> None:
    # Given a signed-in browser, its cookie holds a session token, not the user; when the
    # server-side session reaches its end, a cookie freshly re-signed by a POST is refused.
    assert sign_in(client, "owner@demo.test").status_code == 303
    payload = client.cookies["smsaddon_session"].split(".")[0]
    content = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(content) == {"sid", "csrf"}
    response = client.post(
        "/billing/quotes/addon",
        headers={"X-CSRF-Token": token(client, "/"), "X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    with demo.app.state.services.engine.begin() as conn:  # 12 hours after sign-in
        conn.execute(text("UPDATE web_sessions SET expires_at = created_at"))
    assert client.get("/billing").headers["location"] == "/signin?next=/billing"


def test_after_sign_in_only_paths_on_this_site_are_followed(client: httpx.Client) -> None:
    form = {"email": "owner@demo.test", "password": PASSWORD, "next": "//evil.example/x"}
    response = client.post("/signin", data={**form, "csrf_token": token(client)})
    assert response.headers["location"] == "/"
    client.post("/signout", data={"csrf_token": token(client, "/")})
    form["next"] = "/billing"
    response = client.post("/signin", data={**form, "csrf_token": token(client)})
    assert response.headers["location"] == "/billing"


def test_pages_need_a_signed_in_user(client: httpx.Client) -> None:
    assert client.get("/").headers["location"] == "/signin"
    assert client.get("/billing").headers["location"] == "/signin?next=/billing"
    good = token(client)
    response = client.post(
        "/billing/quotes/addon", headers={"X-CSRF-Token": good, "X-Requested-With": "fetch"}
    )
    assert response.status_code == 401
    assert "Sign in again" in response.text


def test_pages_carry_security_headers_and_assets_are_served(client: httpx.Client) -> None:
    headers = client.get("/signin").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    for asset in ("/static/app.js", "/static/app.css", "/static/favicon.svg"):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/health").json()["status"] == "ok"


def test_the_countries_page_is_public_and_lists_the_rate_card(
    client: httpx.Client, demo: LiveServer
) -> None:
    page = client.get("/countries")
    assert page.status_code == 200
    rows = re.findall(r"<tr data-name=", page.text)
    assert len(rows) == len(demo.catalog.countries)
    for country in demo.catalog.countries:
        assert f"<td>{country.name}</td>" in page.text.replace("&#39;", "'")


def test_an_import_into_a_list_named_with_hash_ampersand_and_percent_comes_back_to_it(
    client: httpx.Client,
) -> None:
    # Given a list name with #, & and %, when a CSV (with a BOM) is imported into it,
    # then the page comes back to that list, its name intact.
    assert sign_in(client, "owner@demo.test").status_code == 303
    data = {
        "csv": "\ufeffphone,name\n+447400123456,Ada\n",
        "list": "Spring #1 & 50% off",
        "csrf_token": token(client, "/contacts"),
    }
    response = client.post("/contacts/import", data=data)
    assert response.status_code == 303
    assert response.headers["location"] == "/contacts?list=Spring+%231+%26+50%25+off"
    page = client.get(response.headers["location"]).text
    assert "Imported 1 contact into Spring #1 &amp; 50% off." in page
    assert "+447400123456" in page
