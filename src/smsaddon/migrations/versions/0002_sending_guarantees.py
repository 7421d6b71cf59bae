"""sending guarantees: when a submission started, reports waiting for their message

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smsaddon.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("submitted_at", smsaddon.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "pending_reports",
        sa.Column("gateway_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("at", smsaddon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("received_at", smsaddon.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("gateway_id", "status", name=op.f("pk_pending_reports")),
    )
    with op.batch_alter_table("pending_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_reports_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_reports_received_at"))
    op.drop_table("pending_reports")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("submitted_at")
