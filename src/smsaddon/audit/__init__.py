"""The audit log: who did what, when and from where. Append-only; admins read their own
account's entries."""

from smsaddon.audit.actions import ACTIONS, AREAS, Action
from smsaddon.audit.models import AppendOnly, AuditEntry
from smsaddon.audit.origin import current_origin, origin_scope
from smsaddon.audit.sentences import sentence
from smsaddon.audit.service import (
    Entry,
    Reader,
    count_entries,
    entries_of,
    get_entry,
    list_entries,
    record,
)

__all__ = [
    "ACTIONS",
    "AREAS",
    "Action",
    "AppendOnly",
    "AuditEntry",
    "Entry",
    "Reader",
    "count_entries",
    "current_origin",
    "entries_of",
    "get_entry",
    "list_entries",
    "origin_scope",
    "record",
    "sentence",
]
