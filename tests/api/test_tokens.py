"""Personal API tokens: shown once, stored hashed, revocable; and their CLI."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smsaddon import models
from smsaddon.accounts import ApiToken, user_by_email
from smsaddon.accounts.tokens import (
    authenticate_token,
    create_token,
    list_tokens,
    revoke_token,
)
from smsaddon.config import load_settings
from smsaddon.db import make_engine, transaction, utcnow
from smsaddon.errors import NotFound, ValidationFailed
from smsaddon.web.app import create_app
from tests.fixtures.api import Api


def test_a_token_is_stored_as_its_hash_with_a_prefix(api: Api) -> None:
    with transaction(api.sessions) as session:
        owner = user_by_email(session, "owner@demo.test")
        token, secret = create_token(session, user=owner, name="  Zapier  ", now=utcnow())
    assert secret.startswith("sms_") and len(secret) > 40
    with transaction(api.sessions) as session:
        stored = session.get_one(ApiToken, token.id)
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert (stored.prefix, stored.name) == (secret[:12], "Zapier")
        assert secret not in {getattr(stored, c.key) for c in ApiToken.__table__.columns}
        user = authenticate_token(session, secret)
        assert user is not None and user.email == "owner@demo.test"
        assert authenticate_token(session, secret + "x") is None
        assert authenticate_token(session, "not-a-token") is None


def test_revoking_by_prefix_or_id_ends_a_token_at_once(api: Api) -> None:
    assert api.get("/api/v1/credits", who="member@demo.test").status_code == 200
    with transaction(api.sessions) as session:
        member = user_by_email(session, "member@demo.test")
        [token] = [t for t in list_tokens(session, user=member) if t.revoked_at is None]
        revoke_token(session, user=member, prefix=token.prefix, now=utcnow())
    assert api.get("/api/v1/credits", who="member@demo.test").status_code == 401
    with transaction(api.sessions) as session:  # again, by id: harmless
        member = user_by_email(session, "member@demo.test")
        again = revoke_token(session, user=member, token_id=token.id, now=utcnow())
        assert again.revoked_at is not None


def test_a_user_can_only_revoke_their_own_tokens(api: Api) -> None:
    with transaction(api.sessions) as session:
        owner = user_by_email(session, "owner@demo.test")
        member = user_by_email(session, "member@demo.test")
        [mine] = [t for t in list_tokens(session, user=member) if t.revoked_at is None]
        with pytest.raises(NotFound):
            revoke_token(session, user=owner, token_id=mine.id, now=utcnow())
        with pytest.raises(ValidationFailed):
            revoke_token(session, user=owner, now=utcnow())
        with pytest.raises(ValidationFailed):
            create_token(session, user=owner, name=" ", now=utcnow())
    assert api.get("/api/v1/credits", who="member@demo.test").status_code == 200


def test_tokens_are_listed_newest_first_with_revoked_ones(api: Api) -> None:
    with transaction(api.sessions) as session:
        owner = user_by_email(session, "owner@demo.test")
        listed = list_tokens(session, user=owner)
    assert [t.name for t in listed] == ["old", "tests"]
    assert listed[0].revoked_at is not None and listed[1].revoked_at is None


# The command line --------------------------------------------------------------------------------


def smsaddon(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "smsaddon", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_cli_creates_lists_and_revokes_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "SMSADDON_DATABASE_URL": url, "COLUMNS": "200"}
    models.Base.metadata.create_all(make_engine(url))
    smsaddon(env, "demo", "--password", "demo-password")
    created = smsaddon(env, "tokens", "create", "--email", "billing@demo.test", "--name", "CI")
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("sms_")
    listed = smsaddon(env, "tokens", "list", "--email", "billing@demo.test").stdout
    assert secret[:12] in listed and "CI" in listed and secret not in listed

    app = create_app(load_settings({"SMSADDON_DATABASE_URL": url}))
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(app) as client:
        me = client.get("/api/v1/account", headers=headers).json()["user"]
        assert (me["email"], me["may_purchase"]) == ("billing@demo.test", True)
        smsaddon(
            env, "tokens", "revoke", "--email", "billing@demo.test", "--prefix", f"{secret[:12]}..."
        )
        assert client.get("/api/v1/account", headers=headers).status_code == 401
    app.state.services.engine.dispose()
    wrong = subprocess.run(
        [
            sys.executable,
            "-m",
            "smsaddon",
            "tokens",
            "revoke",
            "--email",
            "owner@demo.test",
            "--prefix",
            secret[:12],
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode == 1 and "no such token" in wrong.stderr
