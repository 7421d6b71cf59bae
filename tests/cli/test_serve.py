"""`smsaddon serve` refuses the shipped development key where cookies matter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from smsaddon.config import load_settings


@pytest.mark.parametrize(
    ("env", "error"),
    [
        (
            {"SMSADDON_COOKIE_SECURE": "true"},
            "error: SMSADDON_SECRET_KEY must be set when SMSADDON_COOKIE_SECURE is true",
        ),
        (
            {"SMSADDON_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
            "error: SMSADDON_SECRET_KEY must be set when the database is PostgreSQL",
        ),
    ],
)
def test_serve_refuses_to_start_without_a_secret_key(
    tmp_path: Path, env: dict[str, str], error: str
) -> None:
    # Given no SMSADDON_SECRET_KEY and secure cookies or PostgreSQL, when serve starts,
    # then it exits 1 naming the setting, before it touches the database.
    database = tmp_path / "never.db"
    base = {k: v for k, v in os.environ.items() if k != "SMSADDON_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "smsaddon", "serve", "--no-worker"],
        env={**base, "SMSADDON_DATABASE_URL": f"sqlite:///{database}", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip() == error
    assert not database.exists()


def test_the_cookie_is_secure_by_default_on_postgresql() -> None:
    assert load_settings({"SMSADDON_DATABASE_URL": "postgresql://u@h/db"}).cookie_secure
    assert not load_settings({"SMSADDON_DATABASE_URL": "sqlite:///x.db"}).cookie_secure
    insecure = {"SMSADDON_DATABASE_URL": "postgresql://u@h/db", "SMSADDON_COOKIE_SECURE": "false"}
    assert not load_settings(insecure).cookie_secure
