"""one live match per pair (history kept), the worker's TD time

Revision ID: b3e91d4c7a20
Revises: b4c1f0a9d2e7
Create Date: 2026-12-01 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3e91d4c7a20"
down_revision: str | None = "b4c1f0a9d2e7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = sa.text("status IN ('proposed', 'notified', 'interested', 'referred', 'hired')")


def upgrade() -> None:
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_constraint("uq_match_job_worker", type_="unique")
        batch_op.create_index("ix_match_job_worker", ["job_id", "worker_id"], unique=False)
        batch_op.create_index(
            "uq_match_live_pair",
            ["job_id", "worker_id"],
            unique=True,
            postgresql_where=_LIVE,
            sqlite_where=_LIVE,
        )
    with op.batch_alter_table("worker_view", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("worker_view", schema=None) as batch_op:
        batch_op.drop_column("opted_out_at")
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_index("uq_match_live_pair")
        batch_op.drop_index("ix_match_job_worker")
        batch_op.create_unique_constraint("uq_match_job_worker", ["job_id", "worker_id"])
