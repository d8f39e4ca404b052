"""read model change txid (replicas follow each other's writes)

Revision ID: b4c1f0a9d2e7
Revises: 7096a560e195
Create Date: 2026-12-01 13:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b4c1f0a9d2e7"
down_revision: str | None = "7096a560e195"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows the in-memory index mirrors; every write stamps the writing transaction's id, so a
# replica can read "everything committed since my last look" (see matching/follower.py).
TABLES = ("job_view", "training_view", "worker_view", "household_view", "match")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs one process; there is nobody to follow.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION anju_stamp_change_txid() RETURNS trigger AS $$
        BEGIN
            NEW.change_txid := pg_current_xact_id();
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
        """
    )
    for table in TABLES:
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN change_txid xid8')
        op.execute(f'CREATE INDEX ix_{table}_change_txid ON "{table}" (change_txid)')
        op.execute(
            f'CREATE TRIGGER {table}_change_txid BEFORE INSERT OR UPDATE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION anju_stamp_change_txid()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f'DROP TRIGGER IF EXISTS {table}_change_txid ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS change_txid')
    op.execute("DROP FUNCTION IF EXISTS anju_stamp_change_txid()")
