"""The sending API: contacts, messages, broadcasts, opt-outs (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.fixtures.api import Api
from tests.sending.conftest import GB
from tests.snapshots import snapshot

NUMBERS = [f"+4474001234{i:02d}" for i in range(30)]


def _import(api: Api, numbers: list[str], list_name: str = "customers") -> dict[str, object]:
    csv = "phone,name\n" + "".join(f"{n},P{i}\n" for i, n in enumerate(numbers)) + "bogus,x\n"
    response = api.post("/api/v1/contacts/import", {"csv": csv, "list": list_name})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_send_a_message_and_read_it_back(api: Api) -> None:
    api.buy()
    response = api.post("/api/v1/messages", {"to": "+44 7400 123456", "text": "Hi"}, key="k1")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["to"], body["status"], body["credits"], body["country"]) == (GB, "queued", 5, "GB")
    again = api.post("/api/v1/messages", {"to": "+44 7400 123456", "text": "Hi"}, key="k1")
    assert again.json()["id"] == body["id"]
    assert api.get(f"/api/v1/messages/{body['id']}").json()["status"] == "queued"
    page = api.get("/api/v1/messages", params={"status": "queued"}).json()
    assert [m["id"] for m in page["items"]] == [body["id"]]
    assert api.get(f"/api/v1/messages/{body['id']}", who="annual@demo.test").status_code == 404
    canceled = api.post(f"/api/v1/messages/{body['id']}/cancel")
    assert canceled.json()["status"] == "canceled"
    assert api.get("/api/v1/credits").json()["held"] == 0


def test_refusals_are_problems_and_change_nothing(api: Api) -> None:
    before = snapshot(api.sessions)
    no_addon = api.post("/api/v1/messages", {"to": GB, "text": "Hi"})
    assert (no_addon.status_code, no_addon.json()["code"]) == (403, "addon_required")
    api.buy()
    before = snapshot(api.sessions)
    for to, text, status, code in [
        ("+44 7400", "Hi", 422, "invalid_phone_number"),
        ("+8613800138000", "Hi", 422, "unsupported_country"),
        ("+14155552671", "Hi", 403, "registration_required"),
        (GB, "x" * 1600, 422, "invalid_message"),
    ]:
        response = api.post("/api/v1/messages", {"to": to, "text": text})
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert snapshot(api.sessions) == before


def test_contacts_import_and_a_broadcast(api: Api) -> None:
    api.buy()
    report = _import(api, NUMBERS)
    assert report["imported"] == 30
    assert report["errors"] == [
        {"line": 32, "given": "bogus", "reason": report["errors"][0]["reason"]}
    ]  # type: ignore[index]
    contacts = api.get("/api/v1/contacts", params={"list": "customers", "limit": 20}).json()
    assert (len(contacts["items"]), contacts["total"]) == (20, 30)
    assert contacts["items"][0]["phone"] == NUMBERS[0]
    rest = api.get(
        "/api/v1/contacts",
        params={"list": "customers", "limit": 20, "cursor": contacts["next_cursor"]},
    ).json()
    assert (len(rest["items"]), rest["next_cursor"], rest["total"]) == (10, None, 30)
    assert rest["items"][-1]["phone"] == NUMBERS[29]
    response = api.post("/api/v1/broadcasts", {"list": "customers", "text": "Sale"})
    assert response.status_code == 201, response.text
    assert (response.json()["queued"], response.json()["credits"]) == (30, 150)
    listed = api.get("/api/v1/messages", params={"broadcast_id": response.json()["id"]}).json()
    assert (len(listed["items"]), listed["total"]) == (30, 30)


def test_a_broadcast_over_the_balance_is_402_with_needed_and_available(api: Api) -> None:
    api.buy()
    _import(api, [f"+44740012{i:04d}" for i in range(101)], "big")
    before = snapshot(api.sessions)
    response = api.post("/api/v1/broadcasts", {"list": "big", "text": "Sale"})
    assert response.status_code == 402
    assert (response.json()["needed"], response.json()["available"]) == (505, 500)
    assert snapshot(api.sessions) == before


def test_opt_outs_are_for_admins_and_block_free(api: Api) -> None:
    api.buy()
    member = api.post("/api/v1/opt-outs", {"phone": GB}, who="member@demo.test")
    assert member.status_code == 403
    assert api.post("/api/v1/opt-outs", {"phone": GB}).status_code == 201
    opt_outs = api.get("/api/v1/opt-outs").json()
    assert ([o["phone"] for o in opt_outs["items"]], opt_outs["total"]) == ([GB], 1)
    blocked = api.post("/api/v1/messages", {"to": GB, "text": "Hi"}).json()
    assert (blocked["status"], blocked["credits"]) == ("blocked", 0)
    assert (
        api.client.delete(
            f"/api/v1/opt-outs/{GB}", headers=api.headers("owner@demo.test")
        ).status_code
        == 200
    )
    assert api.post("/api/v1/messages", {"to": GB, "text": "Hi"}).json()["status"] == "queued"


def test_ids_beyond_the_database_range_are_refused_not_crashed(api: Api) -> None:
    huge = 2**63
    for path, params in [
        (f"/api/v1/messages/{huge}", None),
        (f"/api/v1/broadcasts/{huge}", None),
        ("/api/v1/messages", {"cursor": "YWZ0ZXI6OTIyMzM3MjAzNjg1NDc3NTgwOA"}),  # after:2**63
        (f"/api/v1/messages/{2**31}", None),
    ]:
        response = api.get(path, params=params)
        assert (response.status_code, response.json()["code"]) == (422, "validation_failed")
    response = api.post(f"/api/v1/messages/{huge}/cancel")
    assert response.status_code == 422


def test_an_import_under_a_key_runs_once_and_a_reused_key_writes_nothing(api: Api) -> None:
    # Given an import made under an Idempotency-Key
    csv = "phone,name\n" + "".join(f"{n},P{i}\n" for i, n in enumerate(NUMBERS[:3]))
    first = api.post("/api/v1/contacts/import", {"csv": csv, "list": "a"}, key="imp-1")
    assert (first.status_code, first.json()["imported"]) == (200, 3)
    before = snapshot(api.sessions)
    # When the same request is retried, then the first answer comes back and nothing is written
    again = api.post("/api/v1/contacts/import", {"csv": csv, "list": "a"}, key="imp-1")
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    # And when another import reuses the key, then it is refused before anything is written
    other = "phone,name\n" + "".join(f"{n},Q{i}\n" for i, n in enumerate(NUMBERS[3:6]))
    reused = api.post("/api/v1/contacts/import", {"csv": other, "list": "b"}, key="imp-1")
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    assert snapshot(api.sessions) == before
