"""Every command in the README's ```sh blocks works as written, in order, on a scratch SQLite
database, run by bash from the repository's folder (a new line in the README is run too).

How each kind of line is run:
- most lines run as written and must exit 0;
- `QUOTE_ID` and `PREFIX` are replaced by what the earlier commands made (the newest quote of
  Demo Co, the owner's newest active token), as a person copies them from the output;
- `registration approve|reject` need a registration under review: the test submits Demo Co's
  through the services first, as the Getting started page would;
- lines that run until stopped (`make run`, `smsaddon serve`) are started on a free port (and
  `make run` on a database of its own, since it seeds the demo data), stopped once
  GET /health answers, and must have answered;
- `make test`, `make lint` and `make bench` run as `make -n` (the target exists and its
  commands print): running them here would run this test inside itself, or for minutes.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smsaddon import compliance
from smsaddon.accounts import ApiToken, find_account, user_by_email
from smsaddon.billing.models import Quote
from smsaddon.db import make_engine, session_factory, transaction, utcnow
from tests.fixtures.compliance import BRAND, CAMPAIGN

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
UNTIL_STOPPED = ("make run", ".venv/bin/smsaddon serve")
DRY_RUN = ("make test", "make lint", "make bench")
TIMEOUT = 300  # seconds for one command on a busy machine


def readme_commands() -> list[str]:
    """The commands of the README's sh blocks, without their comments."""
    blocks = BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    lines = [line.split(" #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Scratch:
    """A scratch database and what the README's commands need from it."""

    def __init__(self, database: Path) -> None:
        self.url = f"sqlite:///{database}"
        self.env = {**os.environ, "SMSADDON_DATABASE_URL": self.url, "COLUMNS": "80"}
        self.env.pop("SMSADDON_REVIEW_DELAY_SECONDS", None)  # the operator decides

    def query(self, work: Callable[[Session], str]) -> str:
        engine = make_engine(self.url)
        try:
            with transaction(session_factory(engine)) as session:
                return work(session)
        finally:
            engine.dispose()

    def newest_quote(self, session: Session) -> str:
        account_id = find_account(session, "Demo Co").id
        newest = select(Quote.id).where(Quote.account_id == account_id)
        return str(session.scalars(newest.order_by(Quote.created_at.desc())).first())

    def newest_prefix(self, session: Session) -> str:
        owner = user_by_email(session, "owner@demo.test")
        tokens = select(ApiToken.prefix).where(
            ApiToken.user_id == owner.id, ApiToken.revoked_at.is_(None)
        )
        return str(session.scalars(tokens.order_by(ApiToken.id.desc())).first())

    def submitted(self, session: Session) -> str:
        owner = user_by_email(session, "owner@demo.test")
        status = compliance.registration_status(session, account_id=owner.account_id).status
        if status != "submitted":
            compliance.save_brand(session, actor=owner, values=BRAND, now=utcnow())
            compliance.save_campaign(session, actor=owner, values=CAMPAIGN, now=utcnow())
            compliance.submit(session, actor=owner, now=utcnow())
        return "submitted"

    def run(self, line: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", line],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    def run_until_healthy(self, line: str, env: dict[str, str]) -> str | None:
        """Start a line that serves until stopped; stop it once /health answers. None when it
        answered, else what went wrong."""
        port = free_port()
        process = subprocess.Popen(
            ["bash", "-c", line],
            cwd=ROOT,
            env={**env, "SMSADDON_PORT": str(port)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + TIMEOUT
        try:
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                        return None
                except httpx.TransportError:
                    time.sleep(0.25)  # not a race: waiting for the server to listen
            return f"never answered /health (exit {process.poll()})"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
            if process.returncode not in (0, -signal.SIGTERM, 2):
                print(output)


def test_the_readme_has_the_commands_this_test_expects() -> None:
    lines = readme_commands()
    assert lines[:2] == ["make run", "make test"]
    assert len([line for line in lines if line.startswith(".venv/bin/smsaddon ")]) >= 30
    assert not [line for line in lines if line.startswith(("uv run", "smsaddon "))]


@pytest.mark.slow
@pytest.mark.timeout(1800)  # some forty processes, each importing the whole app
def test_every_readme_command_works_as_written(tmp_path: Path) -> None:
    scratch = Scratch(tmp_path / "readme.db")
    failures: list[str] = []
    for line in readme_commands():
        command = line
        if command in DRY_RUN:
            result = scratch.run(command.replace("make ", "make -n ", 1))
        elif command in UNTIL_STOPPED:
            own = Scratch(tmp_path / "make-run.db").env if command == "make run" else scratch.env
            problem = scratch.run_until_healthy(command, own)
            if problem:
                failures.append(f"{line}: {problem}")
            continue
        else:
            if re.search(r"registration (approve|reject)", command):
                scratch.query(scratch.submitted)
            if "QUOTE_ID" in command:
                command = command.replace("QUOTE_ID", scratch.query(scratch.newest_quote))
            if "PREFIX" in command:
                command = command.replace("PREFIX", scratch.query(scratch.newest_prefix))
            result = scratch.run(command)
        print(f"{line}: exit {result.returncode}")
        if result.returncode != 0:
            failures.append(f"{line}: exit {result.returncode}: {result.stderr.strip()}")
    assert failures == []
