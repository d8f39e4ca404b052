"""worker skill trade ids and the read copy of the vocabulary aliases

Revision ID: d5a7e2b1c9f3
Revises: 6506f5c1b7ec
Create Date: 2026-12-01 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d5a7e2b1c9f3"
down_revision: str | None = '6506f5c1b7ec'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("worker", sa.Column("skill_ids", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "taxonomy_alias",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("trade_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    # Backfill with the shipped vocabulary (no aliases exist yet); `python -m workers renormalise` redoes it.
    from anju_taxonomy import default_vocabulary

    from workers.skills import trade_ids

    vocab = default_vocabulary()
    bind = op.get_bind()
    worker = sa.table("worker", sa.column("id", sa.Uuid()), sa.column("skills", sa.JSON()), sa.column("skill_ids", sa.Text()))
    for ident, skills in bind.execute(sa.select(worker.c.id, worker.c.skills)).all():
        ids = trade_ids([str(s["name"]) for s in skills or []], vocab)
        if ids:
            bind.execute(worker.update().where(worker.c.id == ident).values(skill_ids=f"|{'|'.join(ids)}|"))


def downgrade() -> None:
    op.drop_table("taxonomy_alias")
    op.drop_column("worker", "skill_ids")
