"""One API shape: each area has the same files, idempotency and the caller are written once,
and every list is a page with a cursor and a total."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from smsaddon.config import load_settings
from smsaddon.web.app import create_app

API = Path(__file__).parents[2] / "src" / "smsaddon" / "api"


def test_each_area_has_routes_schemas_and_examples() -> None:
    areas = sorted(path.parent.name for path in API.glob("*/routes.py"))
    assert areas == ["billing", "compliance", "sending"]
    for area in areas:
        assert {p.name for p in (API / area).glob("*.py")} >= {
            "__init__.py",
            "routes.py",
            "schemas.py",
            "examples.py",
        }, area


def test_handlers_take_the_unit_and_write_no_skeleton_of_their_own() -> None:
    for routes in API.glob("*/routes.py"):
        text = routes.read_text(encoding="utf-8")
        for skeleton in ("respond_once(", "authenticated(", "fingerprint(", "except DomainError"):
            assert skeleton not in text, (routes.name, skeleton)
        assert "ApiRead" in text or "ApiWrite" in text, routes


def test_every_list_is_a_page_with_a_cursor_and_a_total() -> None:
    app = create_app(load_settings({"SMSADDON_DATABASE_URL": "sqlite://"}))
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
    app.state.services.engine.dispose()
    schemas = document["components"]["schemas"]
    lists = []
    for path, item in document["paths"].items():
        operation = item.get("get")
        if not path.startswith("/api/v1/") or operation is None:
            continue
        content = operation["responses"]["200"]["content"]["application/json"]
        schema = content["schema"]
        assert schema.get("type") != "array", path  # a bare list has no cursor nor total
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        if "items" in schemas.get(name, {}).get("properties", {}):
            assert {"items", "next_cursor", "total"} <= set(schemas[name]["properties"]), path
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "cursor" in names and not {"before", "offset"} & names, path
            lists.append(path)
    assert sorted(lists) == [
        "/api/v1/audit",
        "/api/v1/contacts",
        "/api/v1/invoices",
        "/api/v1/messages",
        "/api/v1/opt-outs",
    ]
