"""The sending API's documented examples, as the JSON a client gets."""

from __future__ import annotations

T = "2026-11-10T12:00:00Z"
CONTACT_EX = {
    "id": 1,
    "phone": "+447400123456",
    "region": "GB",
    "name": "Ada",
    "consent_at": T,
    "consent_source": "signup form",
    "created_at": T,
}
MESSAGE_EX = {
    "id": 7,
    "to": "+447400123456",
    "country": "GB",
    "kind": "message",
    "status": "queued",
    "reason": None,
    "encoding": "GSM-7",
    "segments": 1,
    "credits": 5,
    "broadcast_id": None,
    "catalog_version": "2026-11",
    "created_at": T,
    "due_at": T,
    "sent_at": None,
    "finished_at": None,
}
BROADCAST_EX = {
    "id": 3,
    "list_id": 2,
    "encoding": "GSM-7",
    "segments": 1,
    "queued": 120,
    "blocked": 2,
    "credits": 600,
    "catalog_version": "2026-11",
    "send_at": T,
    "created_at": T,
}
IMPORT_EX = {
    "imported": 2,
    "list_name": "customers",
    "errors": [{"line": 4, "given": "12", "reason": "it is too short"}],
    "error_count": 1,
    "errors_by_kind": {"number": 1},
}
OPT_OUT_EX = {"phone": "+447400123456", "source": "reply", "keyword": "STOP", "created_at": T}
