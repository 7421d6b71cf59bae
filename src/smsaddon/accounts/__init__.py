"""Accounts, users, roles and permissions, passwords, API tokens."""

from smsaddon.accounts.models import Account, ApiToken, Role, User
from smsaddon.accounts.permissions import require_admin, require_purchaser
from smsaddon.accounts.service import (
    add_user,
    authenticate,
    create_account,
    find_account,
    get_user,
    hash_password,
    set_time_zone,
    user_by_email,
)

__all__ = [
    "Account",
    "ApiToken",
    "Role",
    "User",
    "add_user",
    "authenticate",
    "create_account",
    "find_account",
    "get_user",
    "hash_password",
    "require_admin",
    "require_purchaser",
    "set_time_zone",
    "user_by_email",
]
