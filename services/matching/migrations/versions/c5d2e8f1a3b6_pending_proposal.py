"""pending proposal (replicas propose in a second step, after a follower pass)

Revision ID: c5d2e8f1a3b6
Revises: b3f1c2a9d4e7
Create Date: 2026-12-01 22:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c5d2e8f1a3b6"
down_revision: str | None = "b3f1c2a9d4e7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_proposal",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_proposal_created_at", "pending_proposal", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_proposal_created_at", table_name="pending_proposal")
    op.drop_table("pending_proposal")
