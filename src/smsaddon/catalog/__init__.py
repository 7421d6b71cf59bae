"""The catalog: plans, the SMS add-on, recurring credit bundles and the rate card.

It is data: a versioned JSON file shipped in `data/` (an operator may point
SMSADDON_CATALOG at their own). `load_catalog` validates it and names the file, the entry
and the field of anything wrong.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from smsaddon.errors import ConfigError, NotFound, PlanNotEligible
from smsaddon.money import Money
from smsaddon.periods import Interval

PlanCode = Literal["lite", "plus", "professional", "enterprise"]
MinorUnits = Annotated[int, Field(ge=0, strict=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prices(_Strict):
    monthly: MinorUnits
    annual: MinorUnits

    def for_interval(self, interval: Interval) -> int:
        return self.monthly if interval is Interval.MONTHLY else self.annual


class Plan(_Strict):
    code: PlanCode
    name: str = Field(min_length=1)
    sms_eligible: bool
    prices: Prices


class AddonPlanPrice(_Strict):
    plan: PlanCode
    included_credits: Annotated[int, Field(gt=0, strict=True)]
    prices: Prices


class SmsAddon(_Strict):
    name: str = Field(min_length=1)
    segment_cap: Annotated[int, Field(ge=1, le=50, strict=True)]
    plans: tuple[AddonPlanPrice, ...]


class Bundle(_Strict):
    credits: Annotated[int, Field(gt=0, strict=True)]
    prices: Prices


class Country(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    name: str = Field(min_length=1)
    calling_code: Annotated[str, Field(pattern=r"^[1-9][0-9]{0,2}$")]
    credits_per_segment: Annotated[int, Field(gt=0, strict=True)]


class Catalog(_Strict):
    version: str = Field(min_length=1)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    plans: tuple[Plan, ...]
    sms_addon: SmsAddon
    bundles: tuple[Bundle, ...]
    countries: tuple[Country, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        _unique("plans", [p.code for p in self.plans])
        _unique("sms_addon.plans", [p.plan for p in self.sms_addon.plans])
        _unique("bundles", [b.credits for b in self.bundles])
        _unique("countries", [c.code for c in self.countries])
        plan_codes = {p.code for p in self.plans}
        for i, addon in enumerate(self.sms_addon.plans):
            if addon.plan not in plan_codes:
                raise ValueError(f"sms_addon.plans[{i}].plan: unknown plan {addon.plan!r}")
        for plan in self.plans:
            has_price = any(a.plan == plan.code for a in self.sms_addon.plans)
            if plan.sms_eligible != has_price:
                raise ValueError(
                    f"plans[{plan.code}].sms_eligible is {plan.sms_eligible} but the add-on "
                    f"{'has no' if plan.sms_eligible else 'has a'} price for it"
                )
        return self

    # Look-ups ---------------------------------------------------------------------------

    def plan(self, code: str) -> Plan:
        for plan in self.plans:
            if plan.code == code:
                return plan
        raise NotFound(f"there is no plan {code!r}", plan=code)

    def addon_for(self, plan_code: str) -> AddonPlanPrice:
        plan = self.plan(plan_code)
        for addon in self.sms_addon.plans:
            if addon.plan == plan.code:
                return addon
        eligible = ", ".join(p.name for p in self.plans if p.sms_eligible)
        raise PlanNotEligible(
            f"The SMS add-on is not available on the {plan.name} plan. "
            f"Upgrade to {eligible} to buy it.",
            plan=plan.code,
            eligible_plans=[p.code for p in self.plans if p.sms_eligible],
        )

    def bundle(self, credits: int) -> Bundle:
        for bundle in self.bundles:
            if bundle.credits == credits:
                return bundle
        offered = ", ".join(str(b.credits) for b in self.bundles)
        raise NotFound(
            f"there is no bundle of {credits} credits; offered: {offered}", credits=credits
        )

    def country(self, code: str) -> Country | None:
        return self._countries_by_code().get(code)

    def _countries_by_code(self) -> dict[str, Country]:
        return {c.code: c for c in self.countries}

    def money(self, amount: int) -> Money:
        return Money(amount, self.currency)


def _unique(where: str, keys: list[object]) -> None:
    seen: set[object] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{where}: {key!r} appears twice")
        seen.add(key)


def _describe(path: Path, error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"{path}: {location}: {problem['msg']}")
    return "\n".join(lines)


def parse_catalog(path: Path) -> Catalog:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the catalog: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON at line {exc.lineno}: {exc.msg}") from None
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None


@cache
def load_catalog(path: Path) -> Catalog:
    """The validated catalog at `path`, parsed once per process."""
    return parse_catalog(path)
