from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, text
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
