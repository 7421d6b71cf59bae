from __future__ import annotations

import re
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smsaddon import audit
from smsaddon.accounts.models import Account, Role, User
from smsaddon.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from smsaddon.formatting import is_time_zone
from smsaddon.text import checked

_hasher = PasswordHasher()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1000


def hash_password(password: str, *, field: str = "password") -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(f"a password needs at least {MIN_PASSWORD} characters", field=field)
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed(f"a password has at most {MAX_PASSWORD:,} characters", field=field)
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is the user's; as slow for no user as for a wrong password."""
    try:
        return bool(_hasher.verify(user.password_hash if user else _dummy_hash(), password))
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps an unknown email as slow as a wrong password (computed on
    first use, not when the module is imported)."""
    return _hasher.hash("not-a-real-password")


def _normalize_email(email: str) -> str:
    email = checked(email, field="email", max_length=320).lower()
    if not EMAIL.match(email):
        raise ValidationFailed(f"{email!r} is not an email address", field="email")
    return email


def create_account(
    session: Session,
    *,
    name: str,
    owner_email: str,
    owner_name: str,
    password: str,
    now: datetime,
) -> Account:
    """A new account with its Primary Admin."""
    name = checked(name, field="name", max_length=200)
    if not name:
        raise ValidationFailed("an account needs a name", field="name")
    if session.scalar(select(Account.id).where(func.lower(Account.name) == name.lower())):
        raise Conflict(f"an account named {name!r} exists already", field="name")
    account = Account(name=name, created_at=now)
    session.add(account)
    session.flush()
    add_user(
        session,
        account_id=account.id,
        email=owner_email,
        name=owner_name,
        password=password,
        role=Role.PRIMARY_ADMIN,
        can_bill=True,
        now=now,
    )
    return account


def add_user(
    session: Session,
    *,
    account_id: int,
    email: str,
    name: str,
    password: str,
    role: Role,
    can_bill: bool,
    now: datetime,
) -> User:
    email = _normalize_email(email)
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(f"a user with the email {email} exists already", field="email")
    if role == Role.PRIMARY_ADMIN and session.scalar(
        select(User.id).where(User.account_id == account_id, User.role == Role.PRIMARY_ADMIN)
    ):
        raise Conflict("this account has its Primary Admin already", field="role")
    user = User(
        account_id=account_id,
        email=email,
        name=checked(name, field="name", max_length=200) or email,
        password_hash=hash_password(password),
        role=role,
        can_bill=can_bill,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The user whose email and password these are, or None (no hint which part was wrong)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    return user if password_matches(user, password) and user is not None else None


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"there is no user {user_id}")
    return user


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"there is no user with the email {email}", email=email)
    return user


def find_account(session: Session, name: str) -> Account:
    account = session.scalar(select(Account).where(func.lower(Account.name) == name.lower()))
    if account is None:
        raise NotFound(f"there is no account named {name!r}", account=name)
    return account


def set_permissions(
    session: Session,
    *,
    actor: User,
    user_id: int,
    role: Role | None = None,
    can_bill: bool | None = None,
    now: datetime,
) -> User:
    """Make a user of the actor's account an admin or a user, and give or take the billing
    permission. Only the Primary Admin may; the Primary Admin's own role and permission are
    fixed (there is exactly one per account). A change is written to the audit log."""
    if actor.role != Role.PRIMARY_ADMIN:
        raise PermissionDenied(
            "Only the Primary Admin can change roles and the billing permission. "
            "Ask your Primary Admin."
        )
    user = session.scalar(
        select(User)
        .where(User.id == user_id, User.account_id == actor.account_id)
        .with_for_update()
    )
    if user is None:
        raise NotFound("There is no such user on your account.", user_id=user_id)
    if role == Role.PRIMARY_ADMIN:
        raise Conflict(
            "Nobody can be made Primary Admin: every account has exactly one.", field="role"
        )
    if user.role == Role.PRIMARY_ADMIN and (
        role is not None or (can_bill is not None and can_bill != user.can_bill)
    ):
        raise Conflict(
            "The Primary Admin's role and billing permission cannot be changed.", field="role"
        )
    before = {"role": str(user.role), "can_bill": user.can_bill}
    if role is not None:
        user.role = role
    if can_bill is not None:
        user.can_bill = can_bill
    after = {"role": str(user.role), "can_bill": user.can_bill}
    if after == before:
        return user
    session.flush()
    audit.record(
        session,
        account_id=user.account_id,
        actor_user_id=actor.id,
        action=audit.Action.USER_PERMISSIONS_CHANGED,
        subject=f"{user.name} <{user.email}>",
        details={"user_id": user.id, "email": user.email, "before": before, "after": after},
        now=now,
    )
    return user


def set_time_zone(session: Session, *, actor: User, time_zone: str, now: datetime) -> Account:
    """Set the account's time zone (an IANA name such as "America/New_York"), in which its
    people see every date and time. Only the Primary Admin may; a change is audited."""
    if actor.role != Role.PRIMARY_ADMIN:
        raise PermissionDenied("Only the Primary Admin can change the account's time zone.")
    time_zone = time_zone.strip()
    if not is_time_zone(time_zone):
        raise ValidationFailed(
            f"{time_zone!r} is not a time zone: use a name like America/New_York or UTC.",
            field="time_zone",
        )
    account = session.get_one(Account, actor.account_id, with_for_update=True)
    before = account.time_zone
    if before == time_zone:
        return account
    account.time_zone = time_zone
    session.flush()
    audit.record(
        session,
        account_id=account.id,
        actor_user_id=actor.id,
        action=audit.Action.ACCOUNT_TIME_ZONE_CHANGED,
        subject=account.name,
        details={"before": before, "after": time_zone},
        now=now,
    )
    return account
