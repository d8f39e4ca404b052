"""read copy of the vocabulary aliases (job skills read-back)

Revision ID: e8c4a1f7b2d6
Revises: d4a7c2e9f318
Create Date: 2026-12-01 13:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e8c4a1f7b2d6"
down_revision: str | None = 'd4a7c2e9f318'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "taxonomy_alias",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("trade_id", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("taxonomy_alias")
