"""The billing CLI, run as a real process against a real SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from smsaddon import billing
from smsaddon.accounts import user_by_email
from smsaddon.billing.demo import seed
from smsaddon.billing.models import IdempotencyKey
from smsaddon.catalog import load_catalog
from smsaddon.config import DEFAULT_CATALOG
from smsaddon.db import make_engine, session_factory, transaction, utcnow


class Cli:
    def __init__(self, database: Path) -> None:
        self.env = {
            **os.environ,
            "SMSADDON_DATABASE_URL": f"sqlite:///{database}",
            "COLUMNS": "200",
        }
        self.url = self.env["SMSADDON_DATABASE_URL"]

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

    def json(self, *args: str) -> dict[str, object]:
        data: dict[str, object] = json.loads(self(*args, "--json").stdout)
        return data


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path / "cli.db")
    cli("db", "upgrade")
    return cli


def test_primary_admin_buys_the_addon_and_a_bundle_from_the_command_line(cli: Cli) -> None:
    assert "seeded Demo Co" in cli("demo", "--password", "demo-password").stdout
    quote = cli.json("quote", "addon", "--email", "owner@demo.test")
    assert (quote["kind"], quote["credits_now"], quote["new_monthly_credits"]) == (
        "add_addon",
        500,
        500,
    )
    assert "confirmed" in cli("confirm", str(quote["id"]), "--email", "owner@demo.test").stdout
    assert "confirmed" in cli("confirm", str(quote["id"]), "--email", "owner@demo.test").stdout
    credits = cli.json("credits", "--account", "Demo Co")
    assert (credits["available"], credits["included_this_period"]) == (500, 500)
    bundle = cli.json("quote", "bundle", "--credits", "1000", "--email", "billing@demo.test")
    cli("confirm", str(bundle["id"]), "--email", "billing@demo.test")
    credits = cli.json("credits", "--account", "Demo Co")
    assert (credits["available"], credits["extra_this_period"]) == (1500, 1000)
    invoices = cli("invoices", "--account", "Demo Co").stdout
    assert "SMS add-on, 500 credits a month" in invoices
    assert "Additional SMS credits: 0 to 1,000 a month" in invoices


def test_member_and_lite_are_refused_with_exit_code_1_and_nothing_changes(cli: Cli) -> None:
    cli("demo", "--password", "demo-password")
    before = cli.json("credits", "--account", "Demo Co")
    member = cli("quote", "addon", "--email", "member@demo.test", ok=False)
    assert member.returncode == 1
    assert "billing permission" in member.stderr
    lite = cli("quote", "addon", "--email", "lite@demo.test", ok=False)
    assert lite.returncode == 1
    assert "Upgrade to Plus, Professional, Enterprise" in " ".join(lite.stderr.split())
    quote = cli.json("quote", "addon", "--email", "owner@demo.test")
    refused = cli("confirm", str(quote["id"]), "--email", "member@demo.test", ok=False)
    assert refused.returncode == 1
    assert cli.json("credits", "--account", "Demo Co") == before
    assert "Plus plan" not in cli("invoices", "--account", "Demo Co").stdout


def test_renew_crosses_the_month_boundary_and_runs_once(cli: Cli) -> None:
    # Given Demo Co seeded 40 days ago and the add-on bought 35 days ago (so its first
    # credit period has ended by now),
    catalog = load_catalog(DEFAULT_CATALOG)
    engine = make_engine(cli.url)
    sessions = session_factory(engine)
    then = utcnow() - timedelta(days=40)
    with transaction(sessions) as s:
        seed(s, password="demo-password", catalog=catalog, now=then)
    with transaction(sessions) as s:
        quote = billing.quote_add_addon(
            s,
            actor=user_by_email(s, "owner@demo.test"),
            catalog=catalog,
            now=then + timedelta(days=5),
            ttl_seconds=1800,
        )
    with transaction(sessions) as s:
        billing.confirm(
            s,
            actor=user_by_email(s, "owner@demo.test"),
            quote_id=quote.id,
            catalog=catalog,
            payments=billing.AccountBillingProvider(),
            now=then + timedelta(days=5),
        )
    engine.dispose()
    # when `smsaddon renew` runs now,
    out = cli("renew").stdout
    # then the 500 unused credits expired and this month's 500 were granted,
    assert "500 credits expired" in out
    credits = cli.json("credits", "--account", "Demo Co")
    assert (credits["available"], credits["included_this_period"]) == (500, 500)
    # and a second run does nothing.
    assert "renewed 0 subscriptions: 0 invoices, 0 grants, 0 credits expired" in cli("renew").stdout


def test_catalog_check_names_the_bad_field(cli: Cli, tmp_path: Path) -> None:
    assert "is valid" in cli("catalog", "check", str(DEFAULT_CATALOG)).stdout
    data = json.loads(DEFAULT_CATALOG.read_text())
    data["plans"][1]["prices"]["monthly"] = "29"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = cli("catalog", "check", str(bad), ok=False)
    assert result.returncode == 1
    assert "plans.1.prices.monthly" in result.stderr


def test_bad_settings_are_named_and_exit_1(cli: Cli) -> None:
    cli.env["SMSADDON_DATABASE_URL"] = "mysql://nope"
    result = cli("credits", "--account", "Demo Co", ok=False)
    assert result.returncode == 1
    assert "SMSADDON_DATABASE_URL must start with" in result.stderr


def test_an_admin_adjusts_credits_by_hand_until_the_period_ends(cli: Cli) -> None:
    cli("demo", "--password", "demo-password")
    quote = cli.json("quote", "addon", "--email", "owner@demo.test")
    cli("confirm", str(quote["id"]), "--email", "owner@demo.test")
    cli(
        "adjust",
        "--account",
        "Demo Co",
        "--credits",
        "25",
        "--reason",
        "goodwill",
        "--email",
        "owner@demo.test",
    )
    credits = cli.json("credits", "--account", "Demo Co")
    assert (credits["available"], credits["extra_this_period"]) == (525, 25)
    cli(
        "adjust",
        "--account",
        "Demo Co",
        "--credits",
        "-100",
        "--reason",
        "correction",
        "--email",
        "owner@demo.test",
    )
    assert cli.json("credits", "--account", "Demo Co")["available"] == 425
    refused = cli(
        "adjust",
        "--account",
        "Demo Co",
        "--credits",
        "5",
        "--reason",
        "x",
        "--email",
        "member@demo.test",
        ok=False,
    )
    assert refused.returncode == 1
    assert cli.json("credits", "--account", "Demo Co")["available"] == 425


def test_an_adjustment_under_a_key_is_made_once(cli: Cli) -> None:
    # Given an adjustment made under a key
    cli("demo", "--password", "demo-password")
    quote = cli.json("quote", "addon", "--email", "owner@demo.test")
    cli("confirm", str(quote["id"]), "--email", "owner@demo.test")
    adjust = ("adjust", "--account", "Demo Co", "--reason", "goodwill", "--email")
    cli(*adjust, "owner@demo.test", "--credits", "25", "--key", "T-1")
    assert cli.json("credits", "--account", "Demo Co")["available"] == 525
    # When it is run again under the same key, with the same or other credits
    for credits in ("25", "40"):
        again = cli(*adjust, "owner@demo.test", "--credits", credits, "--key", "T-1", ok=False)
        # Then it is refused, naming the first adjustment, and nothing changes
        assert again.returncode == 1
        assert again.stderr.strip() == (
            "error: Demo Co was adjusted under the key 'T-1' already (+25 credits): nothing changed"
        )
        assert cli.json("credits", "--account", "Demo Co")["available"] == 525
    # And another key adjusts again
    cli(*adjust, "owner@demo.test", "--credits", "5", "--key", "T-2")
    assert cli.json("credits", "--account", "Demo Co")["available"] == 530


def test_renew_forgets_idempotency_keys_older_than_a_day(cli: Cli) -> None:
    cli("demo", "--password", "demo-password")
    engine = make_engine(cli.url)
    sessions = session_factory(engine)
    now = utcnow()
    with transaction(sessions) as s:
        account_id = user_by_email(s, "owner@demo.test").account_id
        for key, age in (("old", timedelta(hours=25)), ("recent", timedelta(hours=23))):
            s.add(
                IdempotencyKey(
                    account_id=account_id,
                    key=key,
                    request_hash="h",
                    status_code=201,
                    response_body="{}",
                    created_at=now - age,
                )
            )
    assert "forgot 1 idempotency key older" in cli("renew").stdout
    with transaction(sessions) as s:
        assert list(s.scalars(select(IdempotencyKey.key))) == ["recent"]
    engine.dispose()
