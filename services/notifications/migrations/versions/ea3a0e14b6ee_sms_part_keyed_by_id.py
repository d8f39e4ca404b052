"""sms_part keyed by its own id: provider message ids may repeat

Revision ID: ea3a0e14b6ee
Revises: dc847242efa3
Create Date: 2026-11-25 19:52:16.206969
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "ea3a0e14b6ee"
down_revision: str | None = "dc847242efa3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("provider_message_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def upgrade() -> None:
    # The table is rebuilt (copy, drop, rename): a primary-key change is not portable as an ALTER.
    _create("sms_part_new")
    op.execute(
        "INSERT INTO sms_part_new (provider_message_id, notification_id, created_at) "
        "SELECT provider_message_id, notification_id, created_at FROM sms_part"
    )
    op.drop_table("sms_part")
    op.rename_table("sms_part_new", "sms_part")
    with op.batch_alter_table("sms_part", schema=None) as batch_op:
        batch_op.create_index("ix_sms_part_notification_id", ["notification_id"], unique=False)
        batch_op.create_index("ix_sms_part_provider_message_id", ["provider_message_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sms_part")
    op.create_table(
        "sms_part",
        sa.Column("provider_message_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.PrimaryKeyConstraint("provider_message_id"),
    )
    with op.batch_alter_table("sms_part", schema=None) as batch_op:
        batch_op.create_index("ix_sms_part_notification_id", ["notification_id"], unique=False)
