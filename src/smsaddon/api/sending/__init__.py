"""Contacts, messages, broadcasts and opt-outs: /api/v1/contacts, /messages, /broadcasts,
/opt-outs."""
