"""Scheduled messages, liveness of what an SMS refers to, in-doubt reason, site-less feed items

Revision ID: fe42520f5220
Revises: ea3a0e14b6ee
Create Date: 2026-12-01 12:36:37.802534
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "fe42520f5220"
down_revision: str | None = "ea3a0e14b6ee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referent_state",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("ref_id", sa.Uuid(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "ref_id"),
    )
    with op.batch_alter_table("feed_item", schema=None) as batch_op:
        batch_op.alter_column("site_id", existing_type=sa.Uuid(), nullable=True)
    op.add_column("notification", sa.Column("job_id", sa.Uuid(), nullable=True))
    op.add_column("notification", sa.Column("training_id", sa.Uuid(), nullable=True))
    op.add_column("notification", sa.Column("placement_id", sa.Uuid(), nullable=True))
    op.add_column("notification", sa.Column("follow_up_id", sa.Uuid(), nullable=True))
    op.add_column("notification", sa.Column("departure_id", sa.Uuid(), nullable=True))
    op.add_column("notification", sa.Column("send_after", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "notification",
        sa.Column("in_doubt_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    op.create_index(op.f("ix_notification_departure_id"), "notification", ["departure_id"], unique=False)
    op.create_index(op.f("ix_notification_follow_up_id"), "notification", ["follow_up_id"], unique=False)
    op.create_index(op.f("ix_notification_job_id"), "notification", ["job_id"], unique=False)
    op.create_index(op.f("ix_notification_placement_id"), "notification", ["placement_id"], unique=False)
    op.create_index(op.f("ix_notification_training_id"), "notification", ["training_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_notification_training_id"), table_name="notification")
    op.drop_index(op.f("ix_notification_placement_id"), table_name="notification")
    op.drop_index(op.f("ix_notification_job_id"), table_name="notification")
    op.drop_index(op.f("ix_notification_follow_up_id"), table_name="notification")
    op.drop_index(op.f("ix_notification_departure_id"), table_name="notification")
    op.drop_column("notification", "in_doubt_reason")
    op.drop_column("notification", "send_after")
    op.drop_column("notification", "departure_id")
    op.drop_column("notification", "follow_up_id")
    op.drop_column("notification", "placement_id")
    op.drop_column("notification", "training_id")
    op.drop_column("notification", "job_id")
    op.execute(
        "DELETE FROM webhook_delivery WHERE feed_item_id IN (SELECT id FROM feed_item WHERE site_id IS NULL)"
    )
    op.execute("DELETE FROM feed_item WHERE site_id IS NULL")
    with op.batch_alter_table("feed_item", schema=None) as batch_op:
        batch_op.alter_column("site_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_table("referent_state")
