"""Subscriptions, quotes, purchases, invoices, proration and renewal."""

from smsaddon.billing.confirm import confirm
from smsaddon.billing.invoices import count_invoices, list_invoices, record_invoice
from smsaddon.billing.models import Invoice, Purchase, Quote, QuoteKind, Subscription
from smsaddon.billing.payments import (
    AccountBillingProvider,
    DecliningProvider,
    PaymentProvider,
    payment_provider,
)
from smsaddon.billing.quotes import (
    get_quote,
    quote_add_addon,
    quote_change_bundle,
    quote_remove_addon,
)
from smsaddon.billing.renewal import RenewalReport, renew, run_renewal
from smsaddon.billing.subscriptions import get_subscription, subscribe
from smsaddon.billing.summary import CreditSummary, Overview, credit_summary, overview

__all__ = [
    "AccountBillingProvider",
    "CreditSummary",
    "DecliningProvider",
    "Invoice",
    "Overview",
    "PaymentProvider",
    "Purchase",
    "Quote",
    "QuoteKind",
    "RenewalReport",
    "Subscription",
    "confirm",
    "count_invoices",
    "credit_summary",
    "get_quote",
    "get_subscription",
    "list_invoices",
    "overview",
    "payment_provider",
    "quote_add_addon",
    "quote_change_bundle",
    "quote_remove_addon",
    "record_invoice",
    "renew",
    "run_renewal",
    "subscribe",
]
