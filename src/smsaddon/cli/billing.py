"""Billing commands: demo, renew, credits, catalog check."""
