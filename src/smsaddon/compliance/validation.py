"""The rules for the business profile, the brand and the campaign, as pure functions.

Each `check_*` returns every bad field with what is wrong with it (empty: all good). A draft
is checked with `complete=False`: empty fields pass, filled ones must be right; a submission
with `complete=True`: everything is required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit

import phonenumbers

from smsaddon.errors import ValidationFailed

VERTICALS = {
    "retail": "Retail and consumer products",
    "healthcare": "Healthcare",
    "financial": "Financial services",
    "education": "Education",
    "real_estate": "Real estate",
    "hospitality": "Hospitality and travel",
    "technology": "Technology",
    "professional_services": "Professional services",
    "nonprofit": "Non-profit",
    "other": "Other",
}
USE_CASES = {
    "marketing": "Marketing",
    "customer_care": "Customer care",
    "account_notification": "Account notifications",
    "delivery_notification": "Delivery notifications",
    "mixed": "Mixed (several of these)",
}
MIN_SAMPLES, MAX_SAMPLES = 2, 5
# "Reply STOP", "Text END to quit", "txt STOP to opt out": a verb, then an opt-out keyword.
OPT_OUT = re.compile(
    r"\b(reply|text|txt|send|respond)\b\W+(with\W+)?\"?(stop|stopall|unsubscribe|end|quit|"
    r"cancel|optout|revoke)\b",
    re.IGNORECASE,
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)
US_ZIP = re.compile(r"^\d{5}(-\d{4})?$")

LABELS = {
    "business_name": "Business name",
    "legal_name": "Legal name",
    "ein": "EIN",
    "street": "Street address",
    "city": "City",
    "state": "State",
    "postal_code": "Postal code",
    "country": "Country",
    "website": "Website",
    "vertical": "Industry",
    "contact_name": "Contact name",
    "contact_email": "Contact email",
    "contact_phone": "Contact phone",
    "use_case": "Use case",
    "description": "Campaign description",
    "sample_messages": "Sample messages",
    "opt_in_description": "How people opt in",
    "opt_out_message": "Opt-out reply",
    "help_message": "Help reply",
}


@dataclass(frozen=True)
class ProfileFields:
    business_name: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"
    website: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class BrandFields:
    legal_name: str = ""
    ein: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"
    website: str = ""
    vertical: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class CampaignFields:
    use_case: str = ""
    description: str = ""
    sample_messages: tuple[str, ...] = field(default_factory=tuple)
    opt_in_description: str = ""
    opt_out_message: str = ""
    help_message: str = ""


Problems = dict[str, str]
MAX_LENGTHS = {
    "description": 1000,
    "opt_in_description": 1000,
    "opt_out_message": 320,
    "help_message": 320,
    "street": 200,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "website": 300,
    "contact_email": 320,
}


def check_profile(values: ProfileFields) -> Problems:
    """The business profile is always complete."""
    problems: Problems = {}
    _required(problems, values, complete=True)
    _address(problems, values.country, values.postal_code)
    _website(problems, values.website)
    _contact(problems, values.contact_email, values.contact_phone, values.country)
    return problems


def check_brand(values: BrandFields, *, complete: bool) -> Problems:
    problems: Problems = {}
    _required(problems, values, complete=complete)
    if values.ein and not re.fullmatch(r"\d{9}", ein_digits(values.ein)):
        problems["ein"] = "An EIN is 9 digits, like 12-3456789."
    _address(problems, values.country, values.postal_code)
    _website(problems, values.website)
    if values.vertical and values.vertical not in VERTICALS:
        problems["vertical"] = "Choose one of the listed industries."
    _contact(problems, values.contact_email, values.contact_phone, values.country)
    return problems


def check_campaign(values: CampaignFields, *, complete: bool) -> Problems:
    problems: Problems = {}
    _required(problems, values, complete=complete)
    if values.use_case and values.use_case not in USE_CASES:
        problems["use_case"] = "Choose one of the listed use cases."
    if values.description and len(values.description.strip()) < 40:
        problems["description"] = (
            "Describe what you send, to whom and why, in at least 40 characters."
        )
    samples = [sample.strip() for sample in values.sample_messages if sample.strip()]
    if samples or complete:
        problem = _samples(samples)
        if problem:
            problems["sample_messages"] = problem
    if values.opt_in_description and len(values.opt_in_description.strip()) < 20:
        problems["opt_in_description"] = (
            "Say how people give consent (a web form, a keyword, at checkout...), in at least "
            "20 characters."
        )
    if values.help_message and not _has_contact(values.help_message):
        problems["help_message"] = (
            "The help reply must say how to reach you: a phone number, an email or a website."
        )
    return problems


def _samples(samples: list[str]) -> str | None:
    if len(samples) < MIN_SAMPLES:
        return f"Give at least {MIN_SAMPLES} sample messages, one per box."
    if len(samples) > MAX_SAMPLES:
        return f"Give at most {MAX_SAMPLES} sample messages."
    short = [str(n) for n, sample in enumerate(samples, 1) if len(sample) < 20]
    if short:
        return f"Sample {', '.join(short)} is too short: write a real message of yours."
    long = [str(n) for n, sample in enumerate(samples, 1) if len(sample) > 1024]
    if long:
        return f"Sample {', '.join(long)} is longer than 1,024 characters."
    missing = [str(n) for n, sample in enumerate(samples, 1) if not OPT_OUT.search(sample)]
    if missing:
        return (
            f"Sample {', '.join(missing)} has no opt-out language: every sample must tell "
            'people how to stop, for example "Reply STOP to opt out".'
        )
    return None


def _required(problems: Problems, values: object, *, complete: bool) -> None:
    for name in (f.name for f in fields(values)):  # type: ignore[arg-type]
        value = getattr(values, name)
        if isinstance(value, tuple):
            continue
        text = value.strip()
        if complete and not text:
            problems[name] = f"{LABELS[name]} is required."
        elif len(text) > MAX_LENGTHS.get(name, 200):
            problems[name] = f"{LABELS[name]} is too long (at most {MAX_LENGTHS.get(name, 200)})."


def _address(problems: Problems, country: str, postal_code: str) -> None:
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        problems["country"] = "Country is a two-letter code, like US."
    elif country == "US" and postal_code and not US_ZIP.match(postal_code.strip()):
        problems.setdefault("postal_code", "A US ZIP code is 5 digits, like 94105.")


def _website(problems: Problems, website: str) -> None:
    if website and not is_website(website):
        problems.setdefault(
            "website", "Give the full address of your website, like https://example.com."
        )


def _contact(problems: Problems, email: str, phone: str, country: str) -> None:
    if email and not EMAIL.match(email.strip()):
        problems.setdefault("contact_email", "This is not an email address.")
    if phone and not is_phone(phone, country):
        problems.setdefault("contact_phone", "This is not a valid phone number.")


def is_website(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(DOMAIN.match(host)) and " " not in url.strip()


def is_phone(raw: str, country: str) -> bool:
    region = country if re.fullmatch(r"[A-Z]{2}", country or "") else "US"
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(raw, region))
    except phonenumbers.NumberParseException:
        return False


def ein_digits(ein: str) -> str:
    return ein.strip().replace("-", "").replace(" ", "")


def _has_contact(text: str) -> bool:
    return bool(
        re.search(r"[^@\s]+@[^@\s]+\.\w+|https?://|www\.|\w+\.(com|org|net|io|co)\b|\d{3}", text)
    )


def refuse(problems: Problems, what: str) -> ValidationFailed:
    """One error naming every bad field, with each field's problem in `fields`."""
    problems = {name: problems[name] for name in LABELS if name in problems}  # form order
    listed = "; ".join(f"{LABELS[name]}: {message}" for name, message in problems.items())
    count = len(problems)
    noun = "field needs" if count == 1 else "fields need"
    return ValidationFailed(
        f"The {what} is not complete: {count} {noun} attention. {listed}", fields=problems
    )
