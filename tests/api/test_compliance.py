"""/api/v1/registration and /api/v1/audit: drafts, submission, status, the audit log; who may
do what (401, 403, 404 for another account's entry), every refusal changing nothing, and the
OpenAPI document describing exactly that."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import compliance
from smsaddon.accounts import find_account
from smsaddon.catalog import Catalog
from smsaddon.db import transaction, utcnow
from tests.fixtures.api import Api, make_app, seed_with_tokens
from tests.fixtures.compliance import BRAND, CAMPAIGN
from tests.fixtures.snapshots import snapshot

BRAND_JSON = {**BRAND.__dict__}
CAMPAIGN_JSON = {**CAMPAIGN.__dict__, "sample_messages": list(CAMPAIGN.sample_messages)}
OWNER, BILLING, MEMBER, OTHER = (
    "owner@demo.test",
    "billing@demo.test",
    "member@demo.test",
    "annual@demo.test",
)


@pytest.fixture
def api(engine: Engine, db: sessionmaker[Session], catalog: Catalog) -> Iterator[Api]:
    tokens = seed_with_tokens(db, catalog)
    app = make_app(engine)
    app.state.services.reviewer = compliance.SimulatedReviewer()  # the operator decides
    with TestClient(app) as client:
        yield Api(app, client, db, catalog, tokens)
    app.state.services.engine.dispose()


def put(api: Api, path: str, body: Any, who: str | None = OWNER) -> Any:
    return api.client.put(path, json=body, headers=api.headers(who))


def decide(api: Api, verdict: str, reason: str = "") -> None:
    with transaction(api.sessions) as session:
        account_id = find_account(session, "Demo Co").id
        if verdict == "approve":
            compliance.approve(session, account_id=account_id, now=utcnow())
        else:
            compliance.reject(session, account_id=account_id, reason=reason, now=utcnow())


def test_draft_submit_reject_correct_resubmit_approve(api: Api) -> None:
    registration = api.get("/api/v1/registration").json()
    assert (registration["status"], registration["brand"], registration["may_send_to_us"]) == (
        "not_started",
        None,
        False,
    )
    assert registration["register_url"] == "/getting-started"

    response = put(api, "/api/v1/registration/brand", BRAND_JSON)
    assert response.status_code == 200, response.text
    assert response.json()["brand"]["ein"] == "12-3456789"
    response = put(api, "/api/v1/registration/campaign", CAMPAIGN_JSON)
    assert response.json()["campaign"]["sample_messages"] == CAMPAIGN_JSON["sample_messages"]
    assert response.json()["status"] == "draft"

    response = api.post("/api/v1/registration/submit", key="submit-1")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    again = api.post("/api/v1/registration/submit", key="submit-1")  # a retry: same answer
    assert again.status_code == 200 and again.json() == response.json()
    locked = put(api, "/api/v1/registration/brand", BRAND_JSON)
    assert (locked.status_code, locked.json()["code"]) == (409, "conflict")
    assert api.post("/api/v1/registration/submit").status_code == 409

    decide(api, "reject", "The website does not match the brand.")
    rejected = api.get("/api/v1/registration", who=MEMBER).json()  # any user may read it
    assert (rejected["status"], rejected["reason"]) == (
        "rejected",
        "The website does not match the brand.",
    )
    assert (
        put(
            api, "/api/v1/registration/brand", {**BRAND_JSON, "website": "https://shop.demo.co"}
        ).status_code
        == 200
    )
    assert api.post("/api/v1/registration/submit").json()["submissions"] == 2
    decide(api, "approve")
    approved = api.get("/api/v1/registration").json()
    assert (approved["status"], approved["may_send_to_us"], approved["reason"]) == (
        "approved",
        True,
        None,
    )

    log = api.get("/api/v1/audit", params={"action": "registration"}).json()
    assert [e["action"] for e in log["items"]][:3] == [
        "registration.approved",
        "registration.submitted",
        "registration.brand_saved",
    ]
    assert log["items"][1]["origin"] == "testclient"
    entry = log["items"][0]
    assert api.get(f"/api/v1/audit/{entry['id']}").json() == entry


def test_validation_names_every_bad_field(api: Api) -> None:
    before = snapshot(api.sessions)
    response = put(
        api,
        "/api/v1/registration/brand",
        {**BRAND_JSON, "ein": "1234", "website": "demo", "contact_email": "x"},
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert set(problem["fields"]) == {"ein", "website", "contact_email"}
    assert "EIN" in problem["detail"] and "Website" in problem["detail"]
    response = put(
        api,
        "/api/v1/registration/campaign",
        {**CAMPAIGN_JSON, "sample_messages": ["Demo Co: hello there, friends!"]},
    )
    assert set(response.json()["fields"]) == {"sample_messages"}
    assert "at least 2" in response.json()["fields"]["sample_messages"]
    assert snapshot(api.sessions) == before
    response = api.post("/api/v1/registration/submit")
    assert response.status_code == 422 and "legal_name" in response.json()["fields"]
    assert put(api, "/api/v1/registration/brand", {"legal_name": 5}).status_code == 422
    assert put(api, "/api/v1/registration/brand", {"nickname": "x"}).status_code == 422
    assert snapshot(api.sessions) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/v1/registration/brand", BRAND_JSON),
        ("PUT", "/api/v1/registration/campaign", CAMPAIGN_JSON),
        ("POST", "/api/v1/registration/submit", None),
        ("GET", "/api/v1/audit", None),
    ],
)
def test_non_admins_are_refused_with_403_and_nothing_changes(
    api: Api, method: str, path: str, body: Any
) -> None:
    if method == "POST":  # complete drafts, so only the permission can refuse
        put(api, "/api/v1/registration/brand", BRAND_JSON)
        put(api, "/api/v1/registration/campaign", CAMPAIGN_JSON)
    for who in (BILLING, MEMBER):
        before = snapshot(api.sessions)
        response = api.client.request(method, path, json=body, headers=api.headers(who))
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
        assert response.headers["content-type"] == "application/problem+json"
        assert snapshot(api.sessions) == before
    for who in (None, "revoked"):
        response = api.client.request(method, path, json=body, headers=api.headers(who))
        assert response.status_code == 401


def test_another_accounts_audit_entries_do_not_exist(api: Api) -> None:
    put(api, "/api/v1/registration/brand", BRAND_JSON)
    entry = api.get("/api/v1/audit").json()["items"][0]
    assert entry["action"] == "registration.brand_saved"
    response = api.get(f"/api/v1/audit/{entry['id']}", who=OTHER)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    theirs = api.get("/api/v1/audit", who=OTHER).json()["items"]
    assert [e["action"] for e in theirs] == ["token.created"]  # their own token, only
    assert api.get("/api/v1/registration", who=OTHER).json()["status"] == "not_started"
    assert "Demo Co" not in api.get("/api/v1/registration", who=OTHER).text


def test_the_audit_log_pages_and_filters(api: Api) -> None:
    for n in range(3):
        put(api, "/api/v1/registration/brand", {**BRAND_JSON, "city": f"City {n}"})
    brand = {"action": "registration", "limit": 2}
    first = api.get("/api/v1/audit", params=brand).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get("/api/v1/audit", params={**brand, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert api.get("/api/v1/audit", params={"cursor": "nope"}).status_code == 422
    assert api.get("/api/v1/audit", params={"since": "2026-01-01T00:00:00"}).status_code == 422
    tokens = api.get("/api/v1/audit", params={"action": "token"}).json()["items"]
    assert [e["action"] for e in tokens] == ["token.revoked"] + ["token.created"] * 4
    assert api.get("/api/v1/audit", params={"action": "purchase"}).json()["items"] == []
    assert api.get("/api/v1/audit", params={"colour": "red"}).status_code == 422


OPERATIONS = [
    ("GET", "/api/v1/registration"),
    ("PUT", "/api/v1/registration/brand"),
    ("PUT", "/api/v1/registration/campaign"),
    ("POST", "/api/v1/registration/submit"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/audit/{entry_id}"),
]


# A valid request may still be refused with a documented 422 (an incomplete submission), and
# a "negative" query value can serialize to a valid string (query values are text on the
# wire): those two checks are left out; the bodies' strictness is tested above.
EXCLUDED = [positive_data_acceptance, negative_data_rejection]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_endpoints_conform_to_the_openapi_document(
    api: Api, method: str, path: str, mode: GenerationMode
) -> None:
    operation = schemathesis.openapi.from_asgi("/openapi.json", api.app)[path][method]
    auth = {"Authorization": f"Bearer {api.tokens[OWNER]}"}

    @given(case=st.one_of(operation.as_strategy(mode)))
    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: Case) -> None:
        case.call_and_validate(headers=auth, excluded_checks=EXCLUDED)

    conforms()


def test_each_operation_documents_its_problems_with_examples(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    for method, path in OPERATIONS:
        operation = document["paths"][path][method.lower()]
        assert {"401", "422", "429"} <= set(operation["responses"]), path
        for status, response in operation["responses"].items():
            [(media, content)] = response["content"].items()
            assert media == ("application/json" if status < "400" else "application/problem+json")
            assert "example" in content or content.get("examples"), (path, status)
        if method != "GET":
            assert "403" in operation["responses"], path
    conflict = document["paths"]["/api/v1/registration/submit"]["post"]["responses"]["409"]
    assert (
        "under review"
        in conflict["content"]["application/problem+json"]["examples"]["conflict"]["value"][
            "detail"
        ]
    )
