"""Idempotency-Key: a retried POST gets the first response instead of doing the change again.

The key is claimed with INSERT ... ON CONFLICT DO NOTHING in the request's own transaction,
before the change, and the response is stored in the same transaction. So a key exists exactly
when its change was committed; a concurrent request with the same key waits on the unique
(account_id, key) index (PostgreSQL) or the database lock (SQLite) until the first commits,
then replays its response. A refused request stores nothing: retrying it runs it again.
Keys are kept at least KEPT_FOR; `purge` removes older ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from smsaddon.billing.models import IdempotencyKey
from smsaddon.db import insert_ignoring_conflicts
from smsaddon.errors import Conflict
from smsaddon.http.problems import IdempotencyKeyReused

KEPT_FOR = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"


def fingerprint(method: str, path: str, body: BaseModel | None, *, user_id: int) -> str:
    """The request's identity: a retry has the same; another request under the key, or the
    same request by another user of the account, does not."""
    payload = json.dumps(body.model_dump(mode="json") if body else None, sort_keys=True)
    return hashlib.sha256(f"{user_id} {method} {path}\n{payload}".encode()).hexdigest()


def json_response(body: BaseModel, status: int) -> Response:
    return Response(body.model_dump_json(), status_code=status, media_type="application/json")


def respond_once(
    session: Session,
    *,
    account_id: int,
    key: str | None,
    request_hash: str,
    now: datetime,
    status: int,
    produce: Callable[[], BaseModel],
) -> Response:
    """Run `produce` (the change) unless this key has run already; answer its response."""
    if key is None:
        return json_response(produce(), status)
    claim = (
        insert_ignoring_conflicts(session, IdempotencyKey.__table__)
        .values(
            account_id=account_id,
            key=key,
            request_hash=request_hash,
            status_code=0,
            response_body="",
            created_at=now,
        )
        .returning(IdempotencyKey.id)
    )
    claimed = session.scalar(claim)
    if claimed is None:
        return _replay(session, account_id=account_id, key=key, request_hash=request_hash)
    body = produce().model_dump_json()
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claimed)
        .values(status_code=status, response_body=body)
    )
    return Response(body, status_code=status, media_type="application/json")


def earlier_response(
    session: Session, *, account_id: int, key: str | None, request_hash: str
) -> Response | None:
    """The answer stored under `key` when a request ran under it already (another request
    under it is refused), else None: for a change that must not even start twice."""
    if key is None:
        return None
    stored = _stored(session, account_id=account_id, key=key)
    return None if stored is None else _answer(stored, request_hash)


def _replay(session: Session, *, account_id: int, key: str, request_hash: str) -> Response:
    stored = _stored(session, account_id=account_id, key=key)
    if stored is None:  # purged between the claim and this read: the client may retry
        raise Conflict("This Idempotency-Key was just released. Retry the request.")
    return _answer(stored, request_hash)


def _stored(session: Session, *, account_id: int, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.account_id == account_id, IdempotencyKey.key == key
        )
    )


def _answer(stored: IdempotencyKey, request_hash: str) -> Response:
    """The first response again, or a refusal when the key ran another request."""
    if stored.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used with a different request. Use a new key for a new "
            "request.",
            key=stored.key,
        )
    return Response(
        stored.response_body,
        status_code=stored.status_code,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


def purge(session: Session, *, now: datetime) -> int:
    """Remove the keys older than KEPT_FOR; the number removed."""
    result = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEPT_FOR)
    )
    return int(getattr(result, "rowcount", 0) or 0)
