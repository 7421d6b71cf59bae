from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smsaddon.db import Base, UTCDateTime


class Role(StrEnum):
    PRIMARY_ADMIN = "primary_admin"
    ADMIN = "admin"
    USER = "user"


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Where the account's people are: times are shown in it (an IANA name).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")

    users: Mapped[list[User]] = relationship(back_populates="account", order_by="User.id")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # Exactly one Primary Admin per account: at most one here, at least one by the service.
        Index(
            "uq_users_one_primary_admin",
            "account_id",
            unique=True,
            sqlite_where=text("role = 'primary_admin'"),
            postgresql_where=text("role = 'primary_admin'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    can_bill: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship(back_populates="users")

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.PRIMARY_ADMIN, Role.ADMIN)

    @property
    def may_purchase(self) -> bool:
        return self.role == Role.PRIMARY_ADMIN or self.can_bill


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here.
    A session ends at `expires_at` (fixed at sign-in, never extended), or earlier when
    `ended_at` is set (sign-out, a password change or reset)."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SignInCounter(Base):
    """Sign-in attempts counted per email and per client address (`key`), and until when the
    next attempt must wait. See accounts/throttle.py."""

    __tablename__ = "sign_in_counters"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    wait_until: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
