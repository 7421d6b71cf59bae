"""`smsaddon registration ...` and `smsaddon audit`, run as real processes on a SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from smsaddon import compliance, models
from smsaddon.accounts import user_by_email
from smsaddon.billing.demo import seed
from smsaddon.catalog import load_catalog
from smsaddon.config import DEFAULT_CATALOG
from smsaddon.db import make_engine, session_factory, transaction, utcnow
from tests.fixtures.compliance import BRAND, CAMPAIGN, OWNER


class Cli:
    def __init__(self, database: Path) -> None:
        self.env = {
            **os.environ,
            "SMSADDON_DATABASE_URL": f"sqlite:///{database}",
            "COLUMNS": "200",
        }
        self.env.pop("SMSADDON_REVIEW_DELAY_SECONDS", None)

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "smsaddon", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if ok and result.returncode != 0:
            raise AssertionError(f"smsaddon {' '.join(args)} failed: {result.stderr}")
        return result

    def status(self, account: str = "Demo Co") -> dict[str, Any]:
        found: dict[str, Any] = json.loads(
            self("registration", "status", "--account", account, "--json").stdout
        )
        return found

    def audit(self, *args: str) -> list[dict[str, Any]]:
        out = self("audit", "--account", "Demo Co", "--json", *args).stdout
        return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Cli, sessionmaker[Session]]:
    database = tmp_path / "cli.db"
    engine = make_engine(f"sqlite:///{database}")
    models.Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:  # the demo data (with the fixture's fast hashing)
        seed(session, password="demo-password", catalog=load_catalog(DEFAULT_CATALOG), now=utcnow())
    return Cli(database), sessions


def submit(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        owner = user_by_email(session, OWNER)
        compliance.save_drafts(session, actor=owner, brand=BRAND, campaign=CAMPAIGN, now=utcnow())
        compliance.submit(session, actor=owner, now=utcnow())


def test_the_operator_rejects_then_approves_and_the_audit_log_shows_it(
    setup: tuple[Cli, sessionmaker[Session]],
) -> None:
    cli, sessions = setup
    assert cli.status()["status"] == "not_started"
    submit(sessions)
    assert cli.status()["status"] == "submitted"

    out = cli(
        "registration",
        "reject",
        "--account",
        "Demo Co",
        "--reason",
        "The EIN does not match the legal name.",
    ).stdout
    assert "rejected the 10DLC registration of Demo Co" in out
    status = cli.status()
    assert (status["status"], status["reason"]) == (
        "rejected",
        "The EIN does not match the legal name.",
    )

    submit(sessions)  # corrected and submitted again
    assert "approved" in cli("registration", "approve", "--account", "demo co").stdout
    status = cli.status()
    assert (status["status"], status["may_send_to_us"], status["submissions"]) == (
        "approved",
        True,
        2,
    )

    decisions = cli.audit("--action", "registration")
    assert [(e["action"], e["origin"], e["actor"]) for e in decisions[:2]] == [
        ("registration.approved", "cli", "Operator"),
        ("registration.submitted", "system", "Olivia Owner <owner@demo.test>"),
    ]
    [rejected] = [e for e in decisions if e["action"] == "registration.rejected"]
    assert rejected["details"]["reason"] == "The EIN does not match the legal name."
    table = cli("audit", "--account", "Demo Co").stdout
    assert "The operator rejected the 10DLC registration: The EIN does not match" in table


def test_refusals_exit_1_with_the_reason_and_change_nothing(
    setup: tuple[Cli, sessionmaker[Session]],
) -> None:
    cli, sessions = setup
    approve = cli("registration", "approve", "--account", "Demo Co", ok=False)
    assert approve.returncode == 1 and "no registration under review" in approve.stderr
    nobody = cli("registration", "status", "--account", "Nobody Inc", ok=False)
    assert nobody.returncode == 1 and "no account named 'Nobody Inc'" in nobody.stderr
    submit(sessions)
    blank = cli("registration", "reject", "--account", "Demo Co", "--reason", " ", ok=False)
    assert blank.returncode == 1 and "reason" in blank.stderr
    suspend = cli("registration", "suspend", "--account", "Demo Co", "--reason", "x", ok=False)
    assert suspend.returncode == 1 and "Only an approved campaign" in suspend.stderr
    assert cli.status()["status"] == "submitted"
    assert cli.audit()[0]["action"] == "registration.submitted"


def test_suspend_from_the_command_line(setup: tuple[Cli, sessionmaker[Session]]) -> None:
    cli, sessions = setup
    submit(sessions)
    cli("registration", "approve", "--account", "Demo Co")
    cli("registration", "suspend", "--account", "Demo Co", "--reason", "Spam complaints.")
    status = cli.status()
    assert (status["status"], status["reason"]) == ("suspended", "Spam complaints.")


def test_what_the_command_line_does_is_audited_as_coming_from_it(
    setup: tuple[Cli, sessionmaker[Session]],
) -> None:
    cli, _ = setup
    cli("tokens", "create", "--email", OWNER, "--name", "CRM")
    [entry] = cli.audit("--action", "token")
    assert (entry["action"], entry["origin"]) == ("token.created", "cli")
