"""Every field's rule, and one refusal that names every bad field at once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from smsaddon import compliance
from smsaddon.compliance.validation import (
    check_brand,
    check_campaign,
    check_profile,
    refuse,
)
from tests.fixtures.compliance import BRAND, CAMPAIGN

PROFILE = compliance.ProfileFields(
    business_name="Demo Co",
    street="1 Market St",
    city="San Francisco",
    state="CA",
    postal_code="94105",
    country="US",
    website="https://demo.co",
    contact_name="Olivia Owner",
    contact_email="owner@demo.test",
    contact_phone="(415) 555-0100",
)
STOP = " Reply STOP to opt out."


def test_complete_forms_pass() -> None:
    assert check_brand(BRAND, complete=True) == {}
    assert check_campaign(CAMPAIGN, complete=True) == {}
    assert check_profile(PROFILE) == {}


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("ein", "12345678", "9 digits"),
        ("ein", "1234567890", "9 digits"),
        ("ein", "12-34567AB", "9 digits"),
        ("website", "demo.co", "full address"),
        ("website", "ftp://demo.co", "full address"),
        ("website", "https://localhost", "full address"),
        ("website", "https://demo co.com", "full address"),
        ("postal_code", "9410", "ZIP"),
        ("country", "USA", "two-letter"),
        ("vertical", "weapons", "listed industries"),
        ("contact_email", "owner-at-demo", "email"),
        ("contact_phone", "+1 555", "phone"),
        ("legal_name", "x" * 201, "too long"),
    ],
)
def test_each_bad_brand_field_is_named(field: str, value: str, words: str) -> None:
    problems = check_brand(replace(BRAND, **{field: value}), complete=False)
    assert list(problems) == [field]
    assert words in problems[field]


@pytest.mark.parametrize(
    "field",
    [
        "legal_name",
        "ein",
        "street",
        "city",
        "state",
        "postal_code",
        "country",
        "website",
        "vertical",
        "contact_name",
        "contact_email",
        "contact_phone",
    ],
)
def test_every_brand_field_is_required_to_submit_but_not_in_a_draft(field: str) -> None:
    empty = replace(BRAND, **{field: ""})
    assert check_brand(empty, complete=False) == {}
    assert "required" in check_brand(empty, complete=True)[field]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"use_case": "spam"}, "use_case", "listed use cases"),
        ({"description": "Offers."}, "description", "40 characters"),
        (
            {"sample_messages": ("Demo Co: 20% off this weekend!" + STOP,)},
            "sample_messages",
            "at least 2",
        ),
        ({"sample_messages": ("Demo Co: offers." + STOP,) * 6}, "sample_messages", "at most 5"),
        (
            {"sample_messages": ("Sale! Reply STOP", "Demo Co: sale now on!" + STOP)},
            "sample_messages",
            "Sample 1 is too short",
        ),
        (
            {
                "sample_messages": (
                    "Demo Co: 20% off this weekend!" + STOP,
                    "Demo Co: your order has shipped.",
                )
            },
            "sample_messages",
            "Sample 2 has no opt-out language",
        ),
        (
            {
                "sample_messages": (
                    "Demo Co: don't stop shopping, 20% off!",
                    "Demo Co: your order has shipped.",
                )
            },
            "sample_messages",
            "Sample 1, 2 has no opt-out language",
        ),
        (
            {
                "sample_messages": (
                    "Demo Co: offers!" + STOP + "x" * 1024,
                    "Demo Co: your order has shipped." + STOP,
                )
            },
            "sample_messages",
            "longer than 1,024",
        ),
        ({"opt_in_description": "Form."}, "opt_in_description", "consent"),
        ({"help_message": "Demo Co: we are here to help."}, "help_message", "how to reach you"),
    ],
)
def test_each_bad_campaign_field_is_named(
    changes: dict[str, object], field: str, words: str
) -> None:
    problems = check_campaign(replace(CAMPAIGN, **changes), complete=False)  # type: ignore[arg-type]
    assert list(problems) == [field]
    assert words in problems[field]


@pytest.mark.parametrize(
    "sample",
    [
        "Demo Co: sale! Reply STOP to opt out.",
        "Demo Co: sale! Text END to quit.",
        "Demo Co: sale! txt stop to unsubscribe",
        'Demo Co: sale! Reply "STOP" to opt out.',
        "Demo Co: sale! Reply with UNSUBSCRIBE to stop these.",
    ],
)
def test_opt_out_language_in_its_usual_forms(sample: str) -> None:
    values = replace(CAMPAIGN, sample_messages=(sample, CAMPAIGN.sample_messages[1]))
    assert check_campaign(values, complete=True) == {}


@pytest.mark.parametrize(
    "field",
    [
        "use_case",
        "description",
        "sample_messages",
        "opt_in_description",
        "opt_out_message",
        "help_message",
    ],
)
def test_every_campaign_field_is_required_to_submit(field: str) -> None:
    empty = replace(CAMPAIGN, **{field: () if field == "sample_messages" else ""})
    assert field in check_campaign(empty, complete=True)
    assert check_campaign(empty, complete=False) == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("business_name", ""),
        ("website", "www.demo"),
        ("contact_email", "nope"),
        ("contact_phone", "123"),
        ("country", "U"),
        ("postal_code", "ABCDE"),
    ],
)
def test_each_bad_profile_field_is_named(field: str, value: str) -> None:
    assert list(check_profile(replace(PROFILE, **{field: value}))) == [field]


def test_one_refusal_names_every_bad_field() -> None:
    problems = check_brand(replace(BRAND, ein="123", website="nope"), complete=True)
    problems |= check_campaign(
        replace(CAMPAIGN, sample_messages=("Hello there, friends!",)), complete=True
    )
    error = refuse(problems, "registration")
    assert error.code == "validation_failed" and error.status == 422
    assert error.details["fields"] == problems
    for label in ("EIN", "Website", "Sample messages"):
        assert label in error.message
    assert "3 fields need attention" in error.message
