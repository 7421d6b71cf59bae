"""`smsaddon password change` (knowing the current one) and `password reset` (the operator)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from smsaddon.accounts import authenticate, sessions, user_by_email
from smsaddon.db import make_engine, session_factory, transaction, utcnow
from tests.fixtures.snapshots import snapshot

OWNER = "owner@demo.test"


class Cli:
    def __init__(self, database: Path) -> None:
        self.url = f"sqlite:///{database}"
        self.db = session_factory(make_engine(self.url))

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "smsaddon", *args],
            env={**os.environ, "SMSADDON_DATABASE_URL": self.url},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def signs_in(self, password: str) -> bool:
        with transaction(self.db) as s:
            return authenticate(s, email=OWNER, password=password) is not None

    def session(self) -> str:
        with transaction(self.db) as s:
            return sessions.start(s, user=user_by_email(s, OWNER), hours=12, now=utcnow())

    def live(self, token: str) -> bool:
        with transaction(self.db) as s:
            return sessions.user_of(s, token=token, now=utcnow()) is not None


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path / "cli.db")
    assert cli("db", "upgrade").returncode == 0
    assert cli("demo", "--password", "demo-password").returncode == 0
    return cli


def test_a_user_changes_their_password_and_their_sessions_end(cli: Cli) -> None:
    browser = cli.session()
    changed = cli(
        "password", "change", "--email", OWNER, stdin="demo-password\nnew-password\nnew-password\n"
    )
    assert changed.returncode == 0, changed.stderr
    assert "the password of owner@demo.test is changed; 1 session ended" in changed.stdout
    assert (cli.signs_in("new-password"), cli.signs_in("demo-password")) == (True, False)
    assert not cli.live(browser)


def test_a_wrong_current_password_changes_nothing(cli: Cli) -> None:
    browser = cli.session()
    before = snapshot(cli.db)
    refused = cli(
        "password", "change", "--email", OWNER, stdin="wrong\nnew-password\nnew-password\n"
    )
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith(
        "error: The current password is not right. Nothing was changed."
    )
    assert snapshot(cli.db) == before
    assert cli.live(browser)


def test_the_operator_resets_a_password_printed_once_or_read_from_stdin(cli: Cli) -> None:
    browser = cli.session()
    reset = cli("password", "reset", "--email", OWNER)
    assert reset.returncode == 0, reset.stderr
    lines = reset.stdout.splitlines()
    assert lines[:2] == [
        "the password of owner@demo.test is reset; every session is ended",
        "the new password, shown this once:",
    ]
    assert cli.signs_in(lines[2]) and not cli.live(browser)
    chosen = cli("password", "reset", "--email", OWNER, "--stdin", stdin="chosen-by-ops\n")
    assert chosen.returncode == 0, chosen.stderr
    assert "chosen-by-ops" not in chosen.stdout
    assert cli.signs_in("chosen-by-ops")
