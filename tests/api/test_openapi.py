"""The OpenAPI document describes the API exactly: schemathesis fuzzes the running app from
its /openapi.json (no 5xx, every response conforming to the document), and every operation
documents its errors with examples. The docs page loads nothing from another site."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from smsaddon.config import load_settings
from smsaddon.web.app import create_app
from tests.fixtures.api import Api

EXAMPLES = 25  # per operation and mode: the whole run stays around two minutes
EXCLUDED = [positive_data_acceptance, negative_data_rejection]


def _operations() -> list[tuple[str, str, bool]]:
    """(method, path, whether a negative case can get something wrong) of every operation of
    every router of the API, and /health, as the app's document has them."""
    app = create_app(load_settings({"SMSADDON_DATABASE_URL": "sqlite://"}))
    found = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            negatable = bool(operation.get("parameters") or operation.get("requestBody"))
            if path.startswith("/api/v1/") or path == "/health":
                found.append((method.upper(), path, negatable))
    app.state.services.engine.dispose()
    return found


CASES = [
    (method, path, mode)
    for method, path, negatable in _operations()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if negatable or mode is GenerationMode.POSITIVE
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_the_api_conforms_to_its_openapi_document(
    api: Api, method: str, path: str, mode: GenerationMode
) -> None:
    """Over every router: generated requests (valid ones, then ones the document forbids) get
    no 5xx and only responses that conform to the document, and the token is enforced; the
    quote paths get a real quote half the time. A valid request may still be refused with a
    documented 422 (a text over the segment cap, an unknown cursor), and a "negative" query
    value may serialize to a valid one (query values are text on the wire: `?q=false` for an
    array), so those two checks of schemathesis are left out; the strictness of bodies and
    parameters is tested in test_endpoints.py and test_hardening.py."""
    operation = schemathesis.openapi.from_asgi("/openapi.json", api.app)[path][method]
    auth = {"Authorization": f"Bearer {api.tokens['billing@demo.test']}"}
    strategies = [operation.as_strategy(mode)]
    if "{quote_id}" in path and mode is GenerationMode.POSITIVE:
        quote_id = api.quote()["id"]
        strategies.append(operation.as_strategy(mode, path_parameters={"quote_id": quote_id}))

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: Case[Any]) -> None:
        case.call_and_validate(headers=auth, excluded_checks=EXCLUDED)

    conforms()


def test_every_operation_documents_its_responses_with_examples(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in item.items()
    ]
    assert len(operations) >= 9
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"401", "422", "429"} <= set(responses), (method, path)
        assert operation["security"] == [{"token": []}]
        for status, response in responses.items():
            [(media_type, content)] = response["content"].items()
            assert media_type == (
                "application/json" if status < "400" else "application/problem+json"
            )
            assert "example" in content or content.get("examples"), (method, path, status)
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["examples"]
    security = document["components"]["securitySchemes"]["token"]
    assert (security["type"], security["scheme"]) == ("http", "bearer")


def test_the_docs_page_is_served_without_any_other_site(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)
    for asset in re.findall(r"(?:src|href)=\"([^\"]+)\"", page.text):
        assert api.client.get(asset).status_code == 200, asset
    init = api.client.get("/docs/init.js").text
    assert "/openapi.json" in init and "//" not in init.replace("/openapi.json", "")
    assert api.client.get("/redoc").status_code == 404
