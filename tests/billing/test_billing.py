"""Review then confirm: the SMS add-on and recurring credit bundles, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from smsaddon import billing, credits
from smsaddon.accounts import find_account
from smsaddon.credits.models import CreditGrant
from smsaddon.db import transaction
from smsaddon.errors import (
    Conflict,
    NotFound,
    PaymentDeclined,
    PermissionDenied,
    PlanNotEligible,
    QuoteExpired,
    QuoteStale,
    ValidationFailed,
)
from tests.fixtures.snapshots import snapshot
from tests.fixtures.world import LEFT, MONTH, NOW, PERIOD_END, TTL, World


def test_quote_for_the_addon_says_exactly_what_changes(world: World) -> None:
    # Given Demo Co on plus, monthly, 18.5 of 31 days left in its billing period,
    # when its Primary Admin reviews the SMS add-on ($10.00 a month, 500 credits),
    quote = world.quote_addon()
    # then the quote prorates to the second, rounded once half-up (596.77 -> 597 cents).
    assert (quote.kind, quote.currency, quote.catalog_version) == ("add_addon", "USD", "2026-11")
    assert quote.amount_due_now == 597 == round(1000 * LEFT / MONTH)
    assert quote.new_recurring_amount == 2900 + 1000
    assert (quote.next_invoice_date, quote.next_invoice_amount) == (PERIOD_END, 3900)
    assert (quote.credits_now, quote.new_monthly_credits) == (500, 500)
    assert quote.expires_at == NOW + timedelta(seconds=TTL)


def test_confirm_charges_the_quote_grants_the_credits_and_records_the_invoice(
    world: World,
) -> None:
    quote = world.quote_addon()
    purchase = world.buy(quote)
    assert (purchase.amount, purchase.currency) == (597, "USD")
    [invoice] = world.invoices()
    assert (invoice.total, invoice.status, invoice.key) == (597, "billed", f"quote:{quote.id}")
    assert [(line.amount, line.period_end) for line in invoice.lines] == [(597, PERIOD_END)]
    sub = world.subscription()
    assert (sub.sms_addon, sub.bundle_credits, sub.version) == (True, 0, 2)
    summary = world.summary()
    assert (summary.included_this_period, summary.extra_this_period) == (500, 0)
    assert (summary.available, summary.held, summary.used_this_period) == (500, 0, 0)
    assert (summary.period_end, summary.next_refill) == (PERIOD_END, PERIOD_END)


def test_confirming_twice_gives_one_purchase_one_charge_one_grant(world: World) -> None:
    quote = world.quote_addon()
    first = world.buy(quote)
    before = snapshot(world.sessions)
    again = world.confirm(quote.id, email="billing@demo.test")
    assert again.id == first.id
    assert snapshot(world.sessions) == before


def test_billing_user_can_buy_member_and_lite_are_refused_with_nothing_changed(
    world: World,
) -> None:
    quote = world.quote_addon(email="billing@demo.test")
    before = snapshot(world.sessions)
    with pytest.raises(PermissionDenied):
        world.quote_addon(email="member@demo.test")
    with pytest.raises(PermissionDenied):
        world.confirm(quote.id, email="member@demo.test")
    with pytest.raises(PlanNotEligible, match="Upgrade to Plus, Professional, Enterprise"):
        world.quote_addon(email="lite@demo.test")
    with pytest.raises(NotFound):  # another account's quote does not exist for them
        world.confirm(quote.id, email="annual@demo.test")
    assert snapshot(world.sessions) == before
    world.confirm(quote.id, email="billing@demo.test")
    assert world.summary().available == 500


def test_expired_quote_is_gone_and_nothing_changes(world: World) -> None:
    quote = world.quote_addon()
    before = snapshot(world.sessions)
    with pytest.raises(QuoteExpired):
        world.confirm(quote.id, now=quote.expires_at)
    assert snapshot(world.sessions) == before


def test_quote_made_before_another_change_is_stale(world: World) -> None:
    first, second = world.quote_addon(), world.quote_addon()
    world.buy(first)
    before = snapshot(world.sessions)
    with pytest.raises(QuoteStale):
        world.buy(second)
    assert snapshot(world.sessions) == before


def test_quote_across_a_billing_boundary_is_stale(world: World) -> None:
    quote = world.quote_addon(now=PERIOD_END - timedelta(minutes=5))
    with pytest.raises(QuoteStale):
        world.buy(quote, now=PERIOD_END + timedelta(seconds=1))


def test_declined_payment_grants_nothing_and_writes_no_invoice(world: World) -> None:
    quote = world.quote_addon()
    before = snapshot(world.sessions)
    with pytest.raises(PaymentDeclined):
        world.confirm(quote.id, payments=billing.DecliningProvider())
    assert snapshot(world.sessions) == before
    world.buy(quote)  # the quote is still good once the payment goes through
    assert world.summary().available == 500


def test_bundle_needs_the_addon_and_an_offered_amount(world: World) -> None:
    with pytest.raises(Conflict, match="Add the SMS add-on"):
        world.quote_bundle(1000)
    world.buy(world.quote_addon())
    with pytest.raises(NotFound, match="offered: 500, 1000, 2500"):
        world.quote_bundle(1234)


def test_raising_the_bundle_charges_the_prorated_difference_and_grants_at_once(
    world: World,
) -> None:
    world.buy(world.quote_addon())
    quote = world.quote_bundle(1000)
    assert quote.amount_due_now == round(1800 * LEFT / MONTH) == 1074
    assert (quote.credits_now, quote.new_monthly_credits) == (1000, 1500)
    assert quote.new_recurring_amount == 2900 + 1000 + 1800
    world.buy(quote)
    raise_to = world.quote_bundle(2500)
    assert raise_to.amount_due_now == round((4000 - 1800) * LEFT / MONTH)
    assert raise_to.credits_now == 1500
    world.buy(raise_to)
    summary = world.summary()
    assert (summary.included_this_period, summary.extra_this_period) == (500, 2500)
    assert (summary.available, summary.monthly_credits) == (3000, 3000)
    assert [i.total for i in world.invoices()] == [round(2200 * LEFT / MONTH), 1074, 597]


def test_lowering_takes_effect_at_the_end_of_the_billing_period(world: World) -> None:
    world.buy(world.quote_addon())
    world.buy(world.quote_bundle(2500))
    quote = world.quote_bundle(500)
    assert (quote.amount_due_now, quote.credits_now, quote.effective_at) == (0, 0, PERIOD_END)
    assert quote.next_invoice_amount == 2900 + 1000 + 1000
    before_invoices = len(world.invoices())
    world.buy(quote)
    assert len(world.invoices()) == before_invoices  # nothing charged now
    sub = world.subscription()
    assert (sub.bundle_credits, sub.pending_bundle_credits, sub.pending_from) == (
        2500,
        500,
        PERIOD_END,
    )
    assert world.summary().available == 3000  # this period keeps what was bought
    # When the period ends and renewal runs,
    after = PERIOD_END + timedelta(seconds=1)
    billing.run_renewal(world.sessions, catalog=world.catalog, now=after)
    # then the next period has the lower bundle and the old credits are gone.
    summary = world.summary(now=after)
    assert (summary.included_this_period, summary.extra_this_period) == (500, 500)
    assert summary.available == 1000
    assert world.invoices()[0].total == 2900 + 1000 + 1000


def test_removal_takes_effect_at_the_end_of_the_billing_period(world: World) -> None:
    world.buy(world.quote_addon())
    world.buy(world.quote_bundle(1000))
    with transaction(world.sessions) as s:
        quote = billing.quote_remove_addon(
            s,
            actor=world.user(s, "owner@demo.test"),
            catalog=world.catalog,
            now=NOW,
            ttl_seconds=TTL,
        )
    assert (quote.amount_due_now, quote.effective_at, quote.next_invoice_amount) == (
        0,
        PERIOD_END,
        2900,
    )
    world.buy(quote)
    assert world.summary().available == 1500
    assert world.summary().next_refill is None
    after = PERIOD_END + timedelta(hours=1)
    billing.run_renewal(world.sessions, catalog=world.catalog, now=after)
    sub = world.subscription()
    assert (sub.sms_addon, sub.bundle_credits) == (False, 0)
    assert world.summary(now=after).available == 0
    assert [line.description for line in world.invoices()[0].lines] == ["Plus plan (monthly)"]


def test_renewal_grants_the_new_month_expires_the_old_and_runs_once(world: World) -> None:
    # Given the add-on and a 1,000 bundle bought on Nov 10, and 200 credits spent,
    world.buy(world.quote_addon())
    world.buy(world.quote_bundle(1000))
    with transaction(world.sessions) as s:
        account_id = find_account(s, "Demo Co").id
        credits.spend(s, account_id=account_id, credits=200, ref="m1", now=NOW)
    # when renewal runs just after the credit period ends,
    after = PERIOD_END + timedelta(minutes=1)
    report = billing.run_renewal(world.sessions, catalog=world.catalog, now=after)
    assert report.invoices == 1  # only Demo Co has a boundary by then
    # then the 1,300 unused credits expired (no rollover) and 1,500 new ones are there,
    summary = world.summary(now=after)
    assert (summary.included_this_period, summary.extra_this_period) == (500, 1000)
    assert (summary.available, summary.used_this_period) == (1500, 0)
    assert report.expired_credits == 1300
    # and Demo Co was charged its full recurring amount for the new period.
    renewal = world.invoices()[0]
    assert renewal.key == "renewal:1"
    assert [(line.description, line.amount) for line in renewal.lines] == [
        ("Plus plan (monthly)", 2900),
        ("SMS add-on, 500 credits a month", 1000),
        ("Additional SMS credits, 1,000 a month", 1800),
    ]
    # A second run does nothing.
    before = snapshot(world.sessions)
    again = billing.run_renewal(world.sessions, catalog=world.catalog, now=after)
    assert (again.subscriptions, again.invoices, again.grants, again.expired_credits) == (
        0,
        0,
        0,
        0,
    )
    assert snapshot(world.sessions) == before


def test_annual_subscription_is_charged_yearly_and_credited_monthly(world: World) -> None:
    # Annual Co's anchor is 2026-08-27 00:00 (75 days before NOW); the year ends 2027-08-27.
    quote = world.quote_addon(email="annual@demo.test")
    year_start = datetime(2026, 8, 27, tzinfo=UTC)
    year_end = datetime(2027, 8, 27, tzinfo=UTC)
    left = int((year_end - NOW).total_seconds())
    total = int((year_end - year_start).total_seconds())
    assert quote.amount_due_now == round(25000 * left / total)
    assert (quote.next_invoice_date, quote.new_recurring_amount) == (year_end, 79000 + 25000)
    world.confirm(quote.id, email="annual@demo.test")
    month_end = datetime(2026, 11, 27, tzinfo=UTC)
    assert world.summary("Annual Co").period_end == month_end
    # Each month brings 1,500 new credits and no invoice, until the year ends.
    moment = month_end + timedelta(hours=1)
    count = len(world.invoices("Annual Co"))
    for _ in range(9):
        billing.run_renewal(world.sessions, catalog=world.catalog, now=moment)
        summary = world.summary("Annual Co", now=moment)
        assert (summary.included_this_period, summary.available) == (1500, 1500)
        assert len(world.invoices("Annual Co")) == count
        moment = summary.period_end + timedelta(hours=1)
    assert moment > year_end
    billing.run_renewal(world.sessions, catalog=world.catalog, now=moment)
    assert world.invoices("Annual Co")[0].total == 79000 + 25000
    assert world.summary("Annual Co", now=moment).available == 1500


def test_late_renewal_skips_ended_periods_and_charges_each_billing_period(world: World) -> None:
    world.buy(world.quote_addon())
    much_later = datetime(2027, 2, 5, tzinfo=UTC)  # 3 boundaries: Nov 29, Dec 29, Jan 29
    report = billing.run_renewal(world.sessions, catalog=world.catalog, now=much_later)
    keys = [i.key for i in world.invoices() if i.key.startswith("renewal:")]
    assert keys == ["renewal:3", "renewal:2", "renewal:1"]
    summary = world.summary(now=much_later)
    assert (summary.period_start, summary.available) == (datetime(2027, 1, 29, tzinfo=UTC), 500)
    assert report.expired_credits == 500
    with transaction(world.sessions) as s:
        grants = s.scalar(select(func.count()).select_from(CreditGrant))
    assert grants == 2  # the purchase's and the current period's; ended ones never granted


def test_every_refused_quote_stores_nothing(world: World) -> None:
    def remove() -> object:
        with transaction(world.sessions) as s:
            return billing.quote_remove_addon(
                s,
                actor=world.user(s, "owner@demo.test"),
                catalog=world.catalog,
                now=NOW,
                ttl_seconds=TTL,
            )

    before = snapshot(world.sessions)
    with pytest.raises(Conflict, match="Add the SMS add-on"):
        world.quote_bundle(1000)
    with pytest.raises(Conflict, match="not on your plan"):
        remove()
    assert snapshot(world.sessions) == before
    world.buy(world.quote_addon())
    before = snapshot(world.sessions)
    with pytest.raises(Conflict, match="already on your plan"):
        world.quote_addon()
    with pytest.raises(Conflict, match="You already have 0 additional credits"):
        world.quote_bundle(0)
    with pytest.raises(ValidationFailed, match="cannot be negative"):
        world.quote_bundle(-500)
    with pytest.raises(NotFound, match="no bundle of 1234"):
        world.quote_bundle(1234)
    assert snapshot(world.sessions) == before
