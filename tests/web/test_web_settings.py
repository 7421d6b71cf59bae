"""The Users and API tokens pages: in Chromium, the Primary Admin grants the billing permission
and a user creates, uses and revokes a token; over HTTP, forged and CSRF-less posts change
nothing."""

from __future__ import annotations

from urllib.parse import urljoin

import httpx
import pytest
from playwright.sync_api import Page, expect

from smsaddon.accounts import Role, user_by_email
from smsaddon.accounts.service import set_permissions
from smsaddon.accounts.tokens import create_token
from smsaddon.db import transaction, utcnow
from tests.fixtures.live import LiveServer, csrf_token, sign_in_http
from tests.fixtures.snapshots import snapshot
from tests.web.browser import Shot, SignIn


def open_menu_link(page: Page, user_name: str, link: str) -> None:
    page.get_by_role("button", name=user_name, exact=True).click()
    page.get_by_role("link", name=link, exact=True).click()


def forge(page: Page, path: str, **form: str) -> int:
    """A POST with the signed-in user's own cookie and CSRF token, as a hand-made request."""
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    response = page.request.post(urljoin(page.url, path), form={"csrf_token": token, **form})
    return response.status


def api_get(server: LiveServer, path: str, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{server.url}/api/v1{path}", headers=headers, timeout=30)


def api_quote(server: LiveServer, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    body = {"kind": "add_addon"}
    return httpx.post(f"{server.url}/api/v1/quotes", json=body, headers=headers, timeout=30)


@pytest.mark.browser
def test_the_primary_admin_grants_billing_and_the_member_can_then_buy(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, demo, "owner@demo.test")
    open_menu_link(page, "Olivia Owner", "Users")
    page.wait_for_url(f"{demo.url}/settings/users")
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    member = page.locator('tr[data-email="member@demo.test"]')
    expect(member.locator(".role")).to_have_text("User")
    expect(member.locator(".billing")).to_have_text("No")
    owner = page.locator('tr[data-email="owner@demo.test"]')
    expect(owner.locator(".billing")).to_have_text("Always")
    expect(owner.get_by_role("button")).to_have_count(0)
    shot(page, "users-before")

    member.get_by_role("button", name="Grant billing permission to Mia Member").click()
    page.wait_for_url(f"{demo.url}/settings/users")
    expect(page.locator("#flash")).to_have_text(
        "Mia Member is now a user, with the billing permission."
    )
    expect(member.locator(".billing")).to_have_text("Yes")
    expect(
        member.get_by_role("button", name="Revoke billing permission from Mia Member")
    ).to_be_visible()
    shot(page, "billing-granted")
    assert demo.user("member@demo.test").may_purchase

    page.context.clear_cookies()
    sign_in(page, demo, "member@demo.test")
    open_menu_link(page, "Mia Member", "Users")
    page.wait_for_url(f"{demo.url}/settings/users")
    expect(page.locator("#primary-admin-only")).to_contain_text(
        "Only the Primary Admin, Olivia Owner (owner@demo.test), can change roles"
    )
    expect(page.locator("#users").get_by_role("button")).to_have_count(0)
    shot(page, "users-as-member")
    # The member's own hand-made requests are refused, nothing changed.
    billing_id = demo.user("billing@demo.test").id
    before = snapshot(demo.sessions)
    assert forge(page, f"/settings/users/{billing_id}/permissions", can_bill="false") == 403
    assert (
        forge(page, f"/settings/users/{demo.user('member@demo.test').id}/permissions", role="admin")
        == 403
    )
    assert snapshot(demo.sessions) == before

    open_menu_link(page, "Mia Member", "Billing & Upgrade")
    page.wait_for_url(f"{demo.url}/billing")
    expect(page.locator("#no-permission")).to_have_count(0)
    page.get_by_role("button", name="Add to plan", exact=True).click()
    review = page.get_by_role("dialog", name="Review Purchase")
    expect(review.get_by_role("heading", name="Review Purchase")).to_be_visible()
    shot(page, "member-reviews-purchase")


@pytest.mark.browser
def test_a_token_is_shown_once_works_with_its_users_permissions_and_is_revoked(
    demo: LiveServer, page: Page, shot: Shot, sign_in: SignIn
) -> None:
    sign_in(page, demo, "member@demo.test")
    open_menu_link(page, "Mia Member", "API tokens")
    page.wait_for_url(f"{demo.url}/settings/tokens")
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(page.locator("#no-tokens")).to_be_visible()

    page.get_by_label("Name").fill("CRM sync")
    page.get_by_role("button", name="Create token").click()
    new = page.locator("#new-token")
    expect(new.get_by_role("heading")).to_have_text("Your new token “CRM sync”")
    expect(new.locator("#copy-hint")).to_contain_text(
        "Copy this token now: it is shown only this once."
    )
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("sms_") and len(secret) > 40
    row = page.locator("#tokens tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("code")).to_have_text(f"{secret[:12]}…")
    expect(row.locator(".status-cell")).to_have_text("Active")
    shot(page, "token-created")

    # It acts as the member: it reads the credits, and may buy only once the member may.
    assert api_get(demo, "/credits", secret).status_code == 200
    assert api_quote(demo, secret).status_code == 403
    with transaction(demo.sessions) as s:
        member_id = user_by_email(s, "member@demo.test").id
        owner = user_by_email(s, "owner@demo.test")
        set_permissions(s, actor=owner, user_id=member_id, can_bill=True, now=utcnow())
    assert api_quote(demo, secret).status_code == 201

    # Never shown again.
    page.goto(f"{demo.url}/settings/tokens")
    expect(page.locator("#new-token")).to_have_count(0)
    assert secret not in page.content()
    expect(row.locator("code")).to_have_text(f"{secret[:12]}…")

    row.get_by_role("button", name="Revoke CRM sync").click()
    dialog = page.get_by_role("dialog", name="Revoke token")
    expect(dialog.get_by_role("heading")).to_have_text("Revoke “CRM sync”?")
    shot(page, "revoke-confirmation")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert api_get(demo, "/credits", secret).status_code == 200  # Cancel revoked nothing

    row.get_by_role("button", name="Revoke CRM sync").click()
    dialog.get_by_role("button", name="Revoke token").click()
    page.wait_for_url(f"{demo.url}/settings/tokens")
    expect(page.locator("#flash")).to_contain_text("The token “CRM sync”")
    expect(page.locator("#flash")).to_contain_text("is revoked")
    expect(row.locator(".status-cell")).to_contain_text("Revoked on")
    expect(row.get_by_role("button")).to_have_count(0)
    shot(page, "token-revoked")
    assert api_get(demo, "/credits", secret).status_code == 401


@pytest.mark.browser
def test_a_token_needs_a_name(demo: LiveServer, page: Page, sign_in: SignIn) -> None:
    sign_in(page, demo, "member@demo.test")
    page.goto(f"{demo.url}/settings/tokens")
    page.get_by_label("Name").fill("   ")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#token-name-error")).to_contain_text("a token needs a name")
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.locator("#no-tokens")).to_be_visible()


# Over HTTP, without a browser -----------------------------------------------------------------


def test_signing_in_is_required(client: httpx.Client) -> None:
    for path in ("/settings/users", "/settings/tokens"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/signin?next={path}"


def test_posts_without_the_csrf_token_change_nothing(
    client: httpx.Client, demo: LiveServer
) -> None:
    sign_in_http(client, "owner@demo.test")
    member_id = demo.user("member@demo.test").id
    with transaction(demo.sessions) as s:
        token, _ = create_token(s, user=user_by_email(s, "owner@demo.test"), name="x", now=utcnow())
    good = csrf_token(client, "/settings/users")
    before = snapshot(demo.sessions)
    posts = [
        (f"/settings/users/{member_id}/permissions", {"can_bill": "true"}),
        (f"/settings/users/{member_id}/permissions", {"role": "admin"}),
        ("/settings/tokens", {"name": "forged"}),
        (f"/settings/tokens/{token.id}/revoke", {}),
    ]
    for path, form in posts:
        for extra in ({}, {"csrf_token": "x" + good}):
            response = client.post(path, data={**form, **extra})
            assert response.status_code == 403, path
            assert "security token" in response.text
    assert snapshot(demo.sessions) == before
    # With the token, the same post works.
    data = {"can_bill": "true", "csrf_token": good}
    response = client.post(f"/settings/users/{member_id}/permissions", data=data)
    assert response.status_code == 303
    assert demo.user("member@demo.test").can_bill


def test_forged_posts_by_others_are_refused(client: httpx.Client, demo: LiveServer) -> None:
    with transaction(demo.sessions) as s:
        owner = user_by_email(s, "owner@demo.test")
        owners_token, _ = create_token(s, user=owner, name="owner's", now=utcnow())
        member_id = user_by_email(s, "member@demo.test").id
        set_permissions(s, actor=owner, user_id=member_id, role=Role.ADMIN, now=utcnow())
    annual_id = demo.user("annual@demo.test").id
    sign_in_http(client, "billing@demo.test")
    good = csrf_token(client, "/settings/users")
    before = snapshot(demo.sessions)
    refusals = [
        (f"/settings/users/{member_id}/permissions", {"role": "user"}, 403),
        (
            f"/settings/users/{demo.user('billing@demo.test').id}/permissions",
            {"role": "admin"},
            403,
        ),
        (f"/settings/users/{annual_id}/permissions", {"can_bill": "false"}, 403),
        (f"/settings/tokens/{owners_token.id}/revoke", {}, 404),  # another user's token
    ]
    for path, form, status in refusals:
        response = client.post(path, data={**form, "csrf_token": good})
        assert response.status_code == status, path
        assert "Nothing was changed." in response.text
    assert snapshot(demo.sessions) == before

    client.cookies.clear()
    sign_in_http(client, "owner@demo.test")
    good = csrf_token(client, "/settings/users")
    before = snapshot(demo.sessions)  # signing in writes its session and counts the attempt
    for path, form, status in [
        (f"/settings/users/{annual_id}/permissions", {"can_bill": "false"}, 404),
        (f"/settings/users/{demo.user('owner@demo.test').id}/permissions", {"role": "admin"}, 409),
        (f"/settings/users/{member_id}/permissions", {"role": "primary_admin"}, 409),
        (f"/settings/users/{member_id}/permissions", {"role": "boss"}, 422),
    ]:
        response = client.post(path, data={**form, "csrf_token": good})
        assert response.status_code == status, path
    assert snapshot(demo.sessions) == before
