"""Settings and the catalog file: every bad value is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smsaddon.catalog import parse_catalog
from smsaddon.config import DEFAULT_CATALOG, load_settings
from smsaddon.errors import ConfigError, NotFound, PlanNotEligible


def test_defaults_are_sqlite_and_the_shipped_catalog() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///smsaddon.db"
    assert settings.catalog_path == DEFAULT_CATALOG
    assert (settings.quote_ttl_seconds, settings.host, settings.port) == (1800, "127.0.0.1", 8000)


def test_postgresql_urls_use_psycopg_3() -> None:
    url = load_settings({"SMSADDON_DATABASE_URL": "postgresql://u@h/db"}).database_url
    assert url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMSADDON_DATABASE_URL": "mysql://x"}, "SMSADDON_DATABASE_URL must start with"),
        ({"SMSADDON_SECRET_KEY": "short"}, "SMSADDON_SECRET_KEY must be at least 16"),
        ({"SMSADDON_CATALOG": "/nope.json"}, "SMSADDON_CATALOG points to '/nope.json'"),
        ({"SMSADDON_QUOTE_TTL_SECONDS": "soon"}, "SMSADDON_QUOTE_TTL_SECONDS must be a whole"),
        ({"SMSADDON_PORT": "70000"}, "SMSADDON_PORT must be between 1 and 65535"),
        ({"SMSADDON_PAYMENT_PROVIDER": "cash"}, "SMSADDON_PAYMENT_PROVIDER must be"),
    ],
)
def test_a_bad_setting_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULT_CATALOG.read_text())
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data))
    return path


def test_the_shipped_catalog_is_valid_with_the_known_market_rates() -> None:
    catalog = parse_catalog(DEFAULT_CATALOG)
    rates = {c.code: c.credits_per_segment for c in catalog.countries}
    assert {k: rates[k] for k in ("US", "CA", "GB", "AU", "NZ")} == {
        "US": 1,
        "CA": 3,
        "GB": 5,
        "AU": 4,
        "NZ": 10,
    }
    assert len(catalog.countries) >= 40
    assert [p.code for p in catalog.plans] == ["lite", "plus", "professional", "enterprise"]
    assert catalog.addon_for("plus").included_credits == 500
    with pytest.raises(PlanNotEligible, match="not available on the Lite plan"):
        catalog.addon_for("lite")
    with pytest.raises(NotFound, match="no bundle of 7 credits"):
        catalog.bundle(7)


def test_errors_name_the_file_the_entry_and_the_field(tmp_path: Path) -> None:
    data = shipped()
    data["bundles"][2]["credits"] = -5
    data["countries"][0]["credits_per_segment"] = 1.5
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as error:
        parse_catalog(path)
    text = str(error.value)
    assert f"{path}: bundles.2.credits: Input should be greater than 0" in text
    assert f"{path}: countries.0.credits_per_segment:" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["countries"].append(dict(d["countries"][0])), "countries: 'US' appears twice"),
        (lambda d: d["plans"][0].update(sms_eligible=True), "plans\\[lite\\].sms_eligible"),
        (lambda d: d["plans"][1].update(code="gold"), "plans.1.code"),
        (lambda d: d.update(currency="usd"), "currency"),
        (lambda d: d["plans"][1].update(extra=1), "plans.1.extra: Extra inputs"),
    ],
)
def test_inconsistent_catalogs_are_refused(tmp_path: Path, change: Any, message: str) -> None:
    data = shipped()
    change(data)
    with pytest.raises(ConfigError, match=message):
        parse_catalog(write(tmp_path, data))


def test_unreadable_and_malformed_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the catalog"):
        parse_catalog(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  nope")
    with pytest.raises(ConfigError, match=f"{bad}: not valid JSON at line 2"):
        parse_catalog(bad)
