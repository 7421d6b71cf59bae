"""The sending commands, run as a person would: import, broadcast, worker, messages, send,
inbound (STOP), on a SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smsaddon import models
from smsaddon.billing.demo import seed
from smsaddon.catalog import Catalog
from smsaddon.db import make_engine, session_factory, transaction, utcnow
from tests.fixtures.daytime import daytime_numbers
from tests.fixtures.sending import buy_addon

ROOT = Path(__file__).resolve().parents[2]


def test_the_sending_commands(tmp_path: Path, catalog: Catalog) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    models.Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    now = utcnow()
    with transaction(sessions) as s:
        seed(s, password="demo-password", catalog=catalog, now=now)
    buy_addon(sessions, catalog, now)
    engine.dispose()
    first, second = daytime_numbers(catalog, 2, now)
    csv = tmp_path / "club.csv"
    csv.write_text(f"phone,name\n{first},Ann\n{second},Bob\nnot a number,Cy\n")
    env = {
        **os.environ,
        "SMSADDON_DATABASE_URL": url,
        "SMSADDON_SIMULATOR_DLR_DELAY": "0",
        "SMSADDON_SIMULATOR_STORE": str(tmp_path / "carrier.db"),
        "COLUMNS": "200",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "smsaddon", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    imported = run("contacts", "import", "--account", "Demo Co", str(csv))
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 contacts into the list club" in imported.stdout
    assert "line 4" in imported.stderr
    sent = run("broadcast", "--email", "owner@demo.test", "--list", "club", "--text", "Hi all")
    assert sent.returncode == 0 and "2 messages queued" in sent.stdout, sent.stderr
    assert run("worker", "--once").returncode == 0
    listed = run("messages", "--account", "Demo Co")
    assert listed.stdout.count("delivered") == 2, listed.stdout
    assert run("inbound", "--from", first, "--text", "stop").returncode == 0
    blocked = run("send", "--email", "owner@demo.test", "--to", first, "--text", "Again")
    assert blocked.returncode == 1 and "opted out" in blocked.stderr
    refused = run("send", "--email", "owner@demo.test", "--to", "+1 555", "--text", "Hi")
    assert refused.returncode == 1 and "not a valid phone number" in refused.stderr
