"""Who may do what: the checks the services run before they change anything."""

from __future__ import annotations

from smsaddon.accounts.models import User
from smsaddon.errors import PermissionDenied


def require_purchaser(user: User) -> None:
    if not user.may_purchase:
        raise PermissionDenied(
            "Only the Primary Admin and users with the billing permission can buy or change "
            "the SMS add-on and credits. Ask your Primary Admin for the billing permission."
        )


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDenied("Only admins can do this. Ask an admin of your account.")
