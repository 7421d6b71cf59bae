"""The payment seam: charge an account for a confirmed purchase.

The default provider records the charge on the account's invoice (the host platform collects
it), so it touches nothing outside the database. A provider that calls out over the network
would have to charge after the purchase is recorded as pending, outside the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from smsaddon.config import Settings
from smsaddon.errors import PaymentDeclined
from smsaddon.money import Money


class PaymentProvider(Protocol):
    def charge(
        self, *, account_id: int, amount: Money, description: str, key: str, now: datetime
    ) -> str:
        """Charge `amount`; return the invoice status to record, or raise PaymentDeclined."""
        ...


class AccountBillingProvider:
    """Bills the charge to the account; the host platform collects it with its own invoice."""

    def charge(
        self, *, account_id: int, amount: Money, description: str, key: str, now: datetime
    ) -> str:
        return "billed"


class DecliningProvider:
    """A test provider that declines every charge."""

    def charge(
        self, *, account_id: int, amount: Money, description: str, key: str, now: datetime
    ) -> str:
        raise PaymentDeclined(
            "Your payment was declined, so nothing was bought or charged. "
            "Check the payment method on your account, then try again."
        )


def payment_provider(settings: Settings) -> PaymentProvider:
    if settings.payment_provider == "declining":
        return DecliningProvider()
    return AccountBillingProvider()
